"""A local Telegram Bot API emulator: the real bot talks HTTP to it, tests drive the users.

It serves the methods coachbot uses (getMe, getUpdates with long polling and offsets,
sendMessage, sendPhoto, answerCallbackQuery, editMessageText/ReplyMarkup, leaveChat,
setMyCommands, deleteMyCommands, getMyCommands, setWebhook, deleteWebhook, getWebhookInfo),
records what the bot sent per chat, lets tests inject what users do, and injects faults:
429 with retry_after, 5xx, timeouts, dropped connections, redelivered updates and 403 for a
chat that blocked the bot. In "compliant" mode it counts (and, if enforcing, answers with 429)
every send beyond 30/s overall, 1/s per private chat or 20/min per group.

Run standalone (benchmarks): `python -m tests.e2e.emulator --port 0` prints the port; a small
control API under /_control/ injects updates and reads what was sent.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPServerRequest, parse_body_arguments
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

DEFAULT_TOKEN = "123456:TEST-token_emulator"
BOT_ID = 123456
BOT_USERNAME = "coach_test_bot"
TEXT_FIELDS = {"text", "caption", "secret_token", "url", "callback_query_id", "description",
               "short_description", "parse_mode", "language_code", "inline_message_id", "name"}
"""Parameters PTB sends as plain strings; every other value arrives JSON-encoded."""
SEND_METHODS = {"sendMessage", "sendPhoto"}
GLOBAL_LIMIT_PER_S = 30
CHAT_INTERVAL_S = 1.0
GROUP_LIMIT_PER_MIN = 20


@dataclass
class Fault:
    """Fail the next `times` calls of `method` (to `chat_id`, if given) with `kind`."""

    method: str
    kind: str  # "429" | "500" | "502" | "timeout" | "drop" | "403" | "400"
    times: int = 1
    chat_id: int | None = None
    retry_after: int = 1
    delay_s: float = 2.0
    """timeout: how long the request hangs before being answered (after the client gave up)."""
    delivered: bool = False
    """timeout/drop: whether the message was delivered anyway (the answer got lost)."""
    skip: int = 0
    """Let this many matching calls through before failing (a fault part-way through)."""


@dataclass
class Sent:
    message_id: int
    chat_id: int
    method: str
    text: str
    reply_markup: dict[str, Any] | None
    at: float
    photo_bytes: int = 0
    paid_broadcast: bool = False
    """Sent with `allow_paid_broadcast`."""
    edits: list[str] = field(default_factory=list)

    @property
    def buttons(self) -> list[list[str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[b.get("text", "") for b in row] for row in rows]

    def data_of(self, label: str) -> str | None:
        for row in (self.reply_markup or {}).get("inline_keyboard") or []:
            for button in row:
                if button.get("text") == label:
                    return str(button.get("callback_data"))
        return None

    def as_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.message_id, "date": int(time.time()),
            "chat": _chat(self.chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Coach", "username": BOT_USERNAME},
        }
        if self.method == "sendPhoto":
            message["photo"] = [{"file_id": f"photo{self.message_id}", "file_unique_id": f"u{self.message_id}",
                                 "width": 640, "height": 480, "file_size": self.photo_bytes}]
            if self.text:
                message["caption"] = self.text
        else:
            message["text"] = self.text
        if self.reply_markup:
            message["reply_markup"] = self.reply_markup
        return message


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
    return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"}


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class BotApiEmulator:
    def __init__(self, token: str = DEFAULT_TOKEN, *, enforce_limits: bool = False) -> None:
        self.token = token
        self.enforce_limits = enforce_limits
        self.port = 0
        self._server: HTTPServer | None = None
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self.queue: list[dict[str, Any]] = []
        """Updates not yet confirmed by an offset (polling) or a 2xx (webhook)."""
        self._served: set[int] = set()
        self._arrived = asyncio.Event()
        self._poll_generation = 0
        self.injected_at: dict[int, float] = {}
        self.fetched_at: dict[int, float] = {}
        """When getUpdates first handed each update to the bot (benchmarks: the poll's share)."""
        self.history: dict[int, dict[str, Any]] = {}
        """Every update injected, by update_id (for redelivery)."""
        self.sent: dict[int, list[Sent]] = defaultdict(list)
        self.messages: dict[int, Sent] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.left_chats: list[int] = []
        self.calls: Counter[str] = Counter()
        self.faults: list[Fault] = []
        self.injected_faults: Counter[str] = Counter()
        self.blocked: set[int] = set()
        self.webhook: dict[str, Any] = {}
        self._webhook_task: asyncio.Task[None] | None = None
        self.webhook_responses: list[int] = []
        self._send_times: deque[float] = deque()
        self._chat_times: dict[int, deque[float]] = defaultdict(deque)
        self.limit_violations: Counter[str] = Counter()
        """What a compliant Telegram would have answered with 429: 'global', 'chat', 'group'."""
        self.on_send: list[Callable[[Sent], None]] = []

    # --- server ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """TELEGRAM_API_BASE_URL for the bot."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self, port: int = 0) -> None:
        app = Application([
            (r"/bot([^/]+)/([A-Za-z]+)", _ApiHandler, {"emulator": self}),
            (r"/_control/([a-z_]+)", _ControlHandler, {"emulator": self}),
        ], log_function=lambda _handler: None)
        self._server = HTTPServer(app, max_body_size=50_000_000)
        sockets = bind_sockets(port, "127.0.0.1")
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()

    # --- what users do -----------------------------------------------------------------------

    def inject(self, update: dict[str, Any]) -> int:
        """Queue an update (its update_id is assigned here); returns the update_id."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **update}
        self.queue.append(update)
        self.history[update_id] = update
        self.injected_at[update_id] = time.monotonic()
        self._arrived.set()
        return update_id

    def _message(self, chat_id: int, user_id: int | None = None, **content: Any) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": _chat(chat_id),
                "from": _user(user_id if user_id is not None else abs(chat_id)), **content}

    def user_sends(self, chat_id: int, text: str, *, user_id: int | None = None) -> int:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.inject({"message": self._message(chat_id, user_id, **content)})

    def user_sends_content(self, chat_id: int, **content: Any) -> int:
        """A non-text message, e.g. voice={...}, photo=[...], sticker={...}, location={...}."""
        return self.inject({"message": self._message(chat_id, **content)})

    def user_edits(self, chat_id: int, message_id: int, text: str) -> int:
        message = self._message(chat_id, text=text, edit_date=int(time.time()))
        message["message_id"] = message_id
        return self.inject({"edited_message": message})

    def user_presses(self, chat_id: int, label: str, message: Sent | None = None, *,
                     data: str | None = None) -> int:
        """Press the button labelled `label` on `message` (default: the newest message to the
        chat that has buttons). `data` overrides the callback data (a forged press)."""
        if message is None:
            message = self.last_with_buttons(chat_id)
        if message is None:
            raise AssertionError(f"no message with buttons in chat {chat_id}: {self.texts(chat_id)}")
        callback = data if data is not None else message.data_of(label)
        if callback is None:
            raise AssertionError(f"no button {label!r} on {message.text!r}: {message.buttons}")
        return self.inject({"callback_query": {
            "id": f"cb{next(self._callback_ids)}", "from": _user(chat_id), "chat_instance": f"ci{chat_id}",
            "message": message.as_message(), "data": callback}})

    def user_blocks_bot(self, chat_id: int) -> int:
        self.blocked.add(chat_id)
        return self._membership(chat_id, "member", "kicked")

    def user_unblocks_bot(self, chat_id: int) -> int:
        self.blocked.discard(chat_id)
        return self._membership(chat_id, "kicked", "member")

    def bot_added_to_group(self, group_id: int, by_user: int) -> int:
        return self._membership(group_id, "left", "member", by_user)

    def _membership(self, chat_id: int, old: str, new: str, user_id: int | None = None) -> int:
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Coach", "username": BOT_USERNAME}
        return self.inject({"my_chat_member": {
            "chat": _chat(chat_id), "from": _user(user_id or abs(chat_id)), "date": int(time.time()),
            "old_chat_member": {"user": bot, "status": old, **({"until_date": 0} if old == "kicked" else {})},
            "new_chat_member": {"user": bot, "status": new, **({"until_date": 0} if new == "kicked" else {})}}})

    def redeliver(self, update_id: int) -> None:
        """Deliver an update again (as Telegram does after a restart or a failed webhook)."""
        self.queue.append(dict(self.history[update_id]))
        self._arrived.set()

    def take_queued(self) -> list[dict[str, Any]]:
        """Remove and return queued updates (a test then delivers them itself)."""
        taken, self.queue = self.queue, []
        return taken

    # --- faults ------------------------------------------------------------------------------

    def fail(self, method: str, kind: str, times: int = 1, **options: Any) -> Fault:
        fault = Fault(method, kind, times, **options)
        self.faults.append(fault)
        return fault

    def _fault_for(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.chat_id in (None, chat_id):
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.times -= 1
                self.injected_faults[fault.kind] += 1
                return fault
        return None

    # --- reading what the bot did ------------------------------------------------------------

    def texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.sent.get(chat_id, [])]

    def last_with_buttons(self, chat_id: int) -> Sent | None:
        for message in reversed(self.sent.get(chat_id, [])):
            if message.reply_markup and message.reply_markup.get("inline_keyboard"):
                return message
        return None

    def answers(self) -> list[str | None]:
        return [a.get("text") for a in self.callback_answers]

    async def wait_until(self, condition: Callable[[], bool], within: float = 15.0, what: str = "") -> None:
        """Poll `condition` until true; fail with what was sent so far after `within` seconds."""
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                sent = {chat: [m.text[:60] for m in msgs] for chat, msgs in self.sent.items()}
                raise AssertionError(f"timed out waiting for {what or condition}; sent: {sent}")
            await asyncio.sleep(0.02)

    async def wait_for_text(self, chat_id: int, contains: str, within: float = 15.0, count: int = 1) -> Sent:
        def found() -> list[Sent]:
            return [m for m in self.sent.get(chat_id, []) if contains in m.text]

        await self.wait_until(lambda: len(found()) >= count, within, f"{contains!r} in chat {chat_id}")
        return found()[count - 1]

    # --- API methods -------------------------------------------------------------------------

    async def call(self, token: str, method: str, params: dict[str, Any],
                   files: dict[str, int], handler: RequestHandler) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        self.calls[method] += 1
        chat_id = params.get("chat_id")
        chat_id = int(chat_id) if isinstance(chat_id, int | str) and str(chat_id).lstrip("-").isdigit() else None
        fault = self._fault_for(method, chat_id)
        if fault is not None:
            if fault.delivered and method in SEND_METHODS and chat_id is not None:
                self._record_send(method, chat_id, params, files)
            await self._apply(fault, handler)
            raise _Dropped
        api = getattr(self, f"api_{method}", None)
        if api is None:
            raise ApiError(404, "Not Found: method not found")
        return await api(params, files) if method in SEND_METHODS else await api(params)

    async def _apply(self, fault: Fault, handler: RequestHandler) -> None:
        if fault.kind == "429":
            raise ApiError(429, f"Too Many Requests: retry after {fault.retry_after}",
                           {"retry_after": fault.retry_after})
        if fault.kind in ("500", "502"):
            raise ApiError(int(fault.kind), "Internal Server Error" if fault.kind == "500" else "Bad Gateway")
        if fault.kind == "403":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if fault.kind == "400":
            raise ApiError(400, "Bad Request: chat not found")
        if fault.kind == "timeout":
            await asyncio.sleep(fault.delay_s)
            raise ApiError(500, "answered too late")
        if fault.kind == "drop":
            handler.request.connection.close()  # type: ignore[union-attr]
            return
        raise ValueError(f"unknown fault kind {fault.kind}")

    async def api_getMe(self, params: dict[str, Any]) -> Any:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Coach", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        self._poll_generation += 1
        generation = self._poll_generation
        offset = params.get("offset")
        if isinstance(offset, int):
            confirmed = [u for u in self.queue if u["update_id"] < offset and id(u) in self._served]
            gone = {id(u) for u in confirmed}
            self._served -= gone
            self.queue = [u for u in self.queue if id(u) not in gone]
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                    "that only one bot instance is running")
            batch = self.queue[:limit]
            if batch or time.monotonic() >= deadline:
                now = time.monotonic()
                for update in batch:
                    self._served.add(id(update))
                    self.fetched_at.setdefault(update["update_id"], now)
                return batch
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), max(deadline - time.monotonic(), 0.001))
            except TimeoutError:
                pass

    def _limit_check(self, chat_id: int) -> str | None:
        now = time.monotonic()
        window = self._send_times
        while window and window[0] <= now - 1.0:
            window.popleft()
        chat = self._chat_times[chat_id]
        span, allowed = (60.0, GROUP_LIMIT_PER_MIN) if chat_id < 0 else (CHAT_INTERVAL_S, 1)
        while chat and chat[0] <= now - span:
            chat.popleft()
        problem = None
        if len(window) >= GLOBAL_LIMIT_PER_S:
            problem = "global"
        elif len(chat) >= allowed:
            problem = "group" if chat_id < 0 else "chat"
        if problem is not None:
            self.limit_violations[problem] += 1
            if self.enforce_limits:
                return problem
        window.append(now)
        chat.append(now)
        return None

    async def _send(self, method: str, params: dict[str, Any], files: dict[str, int]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self._limit_check(chat_id) is not None:
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        text = str(params.get("text") if method == "sendMessage" else params.get("caption") or "")
        if method == "sendMessage" and not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > (4096 if method == "sendMessage" else 1024):
            raise ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard") or []:
            for button in row:
                if len(str(button.get("callback_data", "")).encode()) > 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return self._record_send(method, chat_id, params, files).as_message()

    def _record_send(self, method: str, chat_id: int, params: dict[str, Any], files: dict[str, int]) -> Sent:
        text = str(params.get("text") if method == "sendMessage" else params.get("caption") or "")
        sent = Sent(next(self._message_ids), chat_id, method, text, params.get("reply_markup"),
                    time.monotonic(), photo_bytes=sum(files.values()),
                    paid_broadcast=params.get("allow_paid_broadcast") in (True, "true"))
        self.sent[chat_id].append(sent)
        self.messages[sent.message_id] = sent
        for listener in self.on_send:
            listener(sent)
        return sent

    async def api_sendMessage(self, params: dict[str, Any], files: dict[str, int]) -> Any:
        return await self._send("sendMessage", params, files)

    async def api_sendPhoto(self, params: dict[str, Any], files: dict[str, int]) -> Any:
        if not files and not isinstance(params.get("photo"), str):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        return await self._send("sendPhoto", params, files)

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        self.callback_answers.append({"id": params.get("callback_query_id"), "text": params.get("text")})
        return True

    async def _edit(self, params: dict[str, Any]) -> Sent:
        message = self.messages.get(int(params.get("message_id") or 0))
        if message is None or message.chat_id != int(params.get("chat_id") or 0):
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def api_editMessageText(self, params: dict[str, Any]) -> Any:
        message = await self._edit(params)
        message.edits.append(message.text)
        message.text = str(params.get("text") or "")
        message.reply_markup = params.get("reply_markup")
        return message.as_message()

    async def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        message = await self._edit(params)
        message.reply_markup = params.get("reply_markup")
        return message.as_message()

    async def api_leaveChat(self, params: dict[str, Any]) -> Any:
        self.left_chats.append(int(params["chat_id"]))
        return True

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        language = f"/{params['language_code']}" if params.get("language_code") else ""
        return scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "") + language

    async def api_setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands[self._scope_key(params)] = list(params.get("commands") or [])
        return True

    async def api_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(self._scope_key(params), None)
        return True

    async def api_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(self._scope_key(params), [])

    async def api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {"url": params.get("url") or "", "secret_token": params.get("secret_token"),
                        "allowed_updates": params.get("allowed_updates")}
        if self.webhook["url"] and self._webhook_task is None:
            self._webhook_task = asyncio.create_task(self._push_updates())
        return True

    async def api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self.queue.clear()
        return True

    async def api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self.queue)}

    async def _push_updates(self) -> None:
        """Webhook delivery: POST each update with the secret; retry until a 2xx."""
        async with httpx.AsyncClient(timeout=10) as client:
            while True:
                url = self.webhook.get("url")
                if not url:
                    self._webhook_task = None
                    return
                if not self.queue:
                    self._arrived.clear()
                    try:
                        await asyncio.wait_for(self._arrived.wait(), 0.5)
                    except TimeoutError:
                        pass
                    continue
                update = self.queue[0]
                headers = {}
                if self.webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
                try:
                    response = await client.post(url, json=update, headers=headers)
                    self.webhook_responses.append(response.status_code)
                    ok = 200 <= response.status_code < 300
                except httpx.HTTPError:
                    ok = False
                if ok:
                    if self.queue and self.queue[0] is update:
                        self.queue.pop(0)
                else:
                    await asyncio.sleep(0.2)

    # --- control API (standalone use) ----------------------------------------------------------

    def control(self, name: str, body: dict[str, Any]) -> Any:
        if name == "send":
            return {"update_ids": [self.user_sends(int(m["chat_id"]), str(m["text"])) for m in body["messages"]]}
        if name == "stats":
            return {"sent": sum(len(v) for v in self.sent.values()), "violations": dict(self.limit_violations),
                    "calls": dict(self.calls), "queue": len(self.queue)}
        if name == "reset":
            self.sent.clear()
            self.limit_violations.clear()
            self.calls.clear()
            self._send_times.clear()
            self._chat_times.clear()
            return {}
        if name == "limits":
            self.enforce_limits = bool(body.get("enforce"))
            return {}
        raise ApiError(404, f"no control {name}")


class _Dropped(Exception):
    """The connection was closed on purpose; nothing is written back."""


def _parse_params(request: HTTPServerRequest) -> tuple[dict[str, Any], dict[str, int]]:
    arguments: dict[str, list[bytes]] = {}
    uploads: dict[str, list[Any]] = {}
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        body = json.loads(request.body or b"{}")
        return body, {}
    parse_body_arguments(content_type, request.body, arguments, uploads, request.headers)
    for name, values in request.query_arguments.items():
        arguments.setdefault(name, values)
    params: dict[str, Any] = {}
    for name, values in arguments.items():
        raw = values[-1].decode("utf-8")
        if name in TEXT_FIELDS:
            params[name] = raw
            continue
        try:
            params[name] = json.loads(raw)
        except ValueError:
            params[name] = raw
    files = {name: len(parts[0]["body"]) for name, parts in uploads.items() if parts}
    return params, files


class _ApiHandler(RequestHandler):
    def initialize(self, emulator: BotApiEmulator) -> None:
        self.emulator = emulator

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        try:
            params, files = _parse_params(self.request)
            result = await self.emulator.call(token, method, params, files, self)
        except _Dropped:
            return
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            self._write(exc.status, body)
            return
        self._write(200, {"ok": True, "result": result})

    def _write(self, status: int, body: dict[str, Any]) -> None:
        if self.request.connection is None or self._finished:
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        try:
            self.finish(json.dumps(body))
        except Exception:
            pass  # the client gave up (timeout fault)

    def log_exception(self, *args: Any) -> None:
        pass

    def on_connection_close(self) -> None:
        pass


class _ControlHandler(RequestHandler):
    def initialize(self, emulator: BotApiEmulator) -> None:
        self.emulator = emulator

    async def post(self, name: str) -> None:
        body = json.loads(self.request.body or b"{}")
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(self.emulator.control(name, body)))

    async def get(self, name: str) -> None:
        await self.post(name)


async def _serve(port: int, token: str, enforce: bool) -> None:
    emulator = BotApiEmulator(token, enforce_limits=enforce)
    await emulator.start(port)
    print(emulator.port, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="local Telegram Bot API emulator")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--enforce-limits", action="store_true")
    args = parser.parse_args()
    asyncio.run(_serve(args.port, args.token, args.enforce_limits))
