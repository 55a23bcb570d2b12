"""The HTTP client under python-telegram-bot: PTB's own `BaseRequest` interface, on aiohttp.

Why not PTB's default (`HTTPXRequest`): measured against the local Bot API emulator, one
`Bot.send_message` cost 2.1 ms of CPU through httpx and 0.28 ms through aiohttp, with PTB
doing the same work around it in both (building the request, checking the answer, parsing
the Message). The bot sends at least one message per update, so at a few hundred updates a
second httpx alone took most of a core. Everything above this class is PTB's: methods,
errors (a Bot API error still becomes `telegram.error.*`), retries and parsing.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session with a pool of `pool_size` connections.

    Timeouts mean what they mean for PTB: `connect` to open a connection, `pool` to wait for
    a free one, `read` for the answer; aiohttp has no write timeout of its own, so a request
    as a whole is also capped at the sum of all four (a stalled upload cannot hang forever).
    """

    def __init__(self, pool_size: int, *, read_timeout: float | None, write_timeout: float | None,
                 connect_timeout: float | None, pool_timeout: float | None) -> None:
        self._pool_size = pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout,
                          "pool": pool_timeout}
        self._session: aiohttp.ClientSession | None = None
        self._default_timeout = self._timeout()

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See `BaseRequest.do_request`: the status code and the body, whatever the status."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        given = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout, "pool": pool_timeout}
        passed = {name: value for name, value in given.items() if not isinstance(value, DefaultValue)}
        timeout = self._timeout(**passed) if passed else self._default_timeout
        body, headers = _body(request_data)
        try:
            async with self._session.request(method, url, data=body, headers=headers,
                                             timeout=timeout) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc

    def _timeout(self, **passed: float | None) -> aiohttp.ClientTimeout:
        """This request's timeouts: those PTB passed, else the ones this object was made with
        (built once: most requests pass none)."""
        chosen = {**self._timeouts, **passed}
        parts = list(chosen.values())
        total = None if any(part is None for part in parts) else sum(p for p in parts if p is not None)
        return aiohttp.ClientTimeout(total=total, connect=chosen["pool"], sock_connect=chosen["connect"],
                                     sock_read=chosen["read"])


FORM_URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}


def _body(request_data: RequestData | None) -> tuple[aiohttp.FormData | bytes | None, dict[str, str] | None]:
    """The body and its headers: form fields as PTB encoded them, urlencoded here (aiohttp's
    FormData does the same encoding with more machinery around it, on every message); with
    files, a multipart form (as Telegram expects)."""
    if request_data is None:
        return None, None
    files = request_data.multipart_data
    if not files:
        return request_data.url_encoded_parameters().encode(), FORM_URLENCODED
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None
