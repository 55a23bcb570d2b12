"""bot.telegram.http: PTB's request interface on aiohttp, against a real local HTTP server.

Everything else (Bot API errors, 429, 5xx, dropped connections through PTB) is covered by the
end-to-end tests against the emulator; here: what the class itself decides.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.http import AiohttpRequest

FAST = {"read_timeout": 0.3, "write_timeout": 0.3, "connect_timeout": 0.3, "pool_timeout": 0.3}


class Server:
    """A local HTTP server that records requests and answers as told."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.delay_s = 0.0
        self.status = 200
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.seen.append({
            "path": request.path, "content_type": request.content_type,
            "agent": request.headers.get("User-Agent", ""),
            "fields": {k: v for k, v in form.items() if isinstance(v, str)},
            "files": {k: (v.filename, v.content_type, v.file.read()) for k, v in form.items()
                      if isinstance(v, web.FileField)}})
        await asyncio.sleep(self.delay_s)
        answer = {"ok": True, "result": True} if self.status == 200 else {
            "ok": False, "error_code": self.status, "description": "Bad Request: chat not found"}
        return web.Response(status=self.status, text=json.dumps(answer))


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    recorder = Server()
    app = web.Application()
    app.router.add_post("/{tail:.*}", recorder.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    recorder.url = f"http://127.0.0.1:{port}"
    yield recorder
    await runner.cleanup()


@pytest.fixture
async def request_() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(4, **FAST)
    await request.initialize()
    yield request
    await request.shutdown()


def form(**values: Any) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])


async def test_fields_arrive_as_ptb_encoded_them(server: Server, request_: AiohttpRequest) -> None:
    status, body = await request_.do_request(f"{server.url}/bot1:a/sendMessage", "POST",
                                             form(chat_id=5, text="hello", reply_markup={"a": [1]}))
    assert (status, json.loads(body)) == (200, {"ok": True, "result": True})
    [seen] = server.seen
    assert seen["content_type"] == "application/x-www-form-urlencoded"
    assert seen["fields"] == {"chat_id": "5", "text": "hello", "reply_markup": '{"a": [1]}'}
    assert seen["agent"].startswith("python-telegram-bot")


async def test_a_file_goes_as_multipart(server: Server, request_: AiohttpRequest) -> None:
    photo = InputFile(b"\x89PNG fake", filename="chart.png")
    await request_.do_request(f"{server.url}/bot1:a/sendPhoto", "POST",
                              form(chat_id=5, caption="Your week", photo=photo))
    [seen] = server.seen
    assert seen["content_type"] == "multipart/form-data"
    assert seen["fields"]["caption"] == "Your week"
    assert list(seen["files"].values()) == [("chart.png", "image/png", b"\x89PNG fake")]


async def test_an_error_status_is_returned_for_ptb_to_raise(server: Server, request_: AiohttpRequest) -> None:
    server.status = 502
    status, _body = await request_.do_request(f"{server.url}/x", "POST", form(chat_id=1))
    assert status == 502


async def test_no_answer_in_time_is_timed_out(server: Server, request_: AiohttpRequest) -> None:
    server.delay_s = 1.0
    with pytest.raises(TimedOut):
        await request_.do_request(f"{server.url}/x", "POST", form(chat_id=1))


async def test_a_longer_read_timeout_for_one_request_is_honoured(server: Server,
                                                                 request_: AiohttpRequest) -> None:
    """As long polling asks: getUpdates waits longer than any other request."""
    server.delay_s = 0.6
    status, _ = await request_.do_request(f"{server.url}/x", "POST", form(timeout=1), read_timeout=2.0)
    assert status == 200


async def test_nobody_listening_is_a_network_error(request_: AiohttpRequest) -> None:
    with pytest.raises(NetworkError) as raised:
        await request_.do_request("http://127.0.0.1:9/x", "POST", form(chat_id=1))
    assert not isinstance(raised.value, TimedOut)
    assert "aiohttp." in str(raised.value)


async def test_used_before_initialize_or_after_shutdown_says_so(server: Server) -> None:
    request = AiohttpRequest(1, **FAST)
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{server.url}/x", "POST")
    await request.initialize()
    await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{server.url}/x", "POST")
    await request.initialize()  # PTB may initialize again after a shutdown
    assert (await request.do_request(f"{server.url}/x", "POST"))[0] == 200
    await request.shutdown()


async def test_a_bot_api_error_still_becomes_ptbs_error(server: Server, request_: AiohttpRequest) -> None:
    server.status = 400
    bot = Bot("1:a", base_url=f"{server.url}/bot", request=request_)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(5, "hi")
