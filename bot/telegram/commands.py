"""The "/" menus Telegram shows: patients' commands for everyone, clinicians' in their chats."""

from __future__ import annotations

import logging

from sqlalchemy import select
from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.clinicians import CLINICIAN_COMMANDS
from bot.content.bundle import FALLBACK_LOCALE
from bot.content.registry import ContentRegistry
from bot.errors import StorageError
from bot.programme import command_descriptions
from bot.storage.db import Database
from bot.storage.models import Clinician
from bot.telegram.chats import chat_id_of, chat_key
from bot.telegram.limits import MAX_COMMAND_DESCRIPTION_CHARS

log = logging.getLogger(__name__)


def patient_commands(descriptions: dict[str, str]) -> list[BotCommand]:
    return [BotCommand(name, description[:MAX_COMMAND_DESCRIPTION_CHARS])
            for name, description in descriptions.items()]


def clinician_commands() -> list[BotCommand]:
    commands = []
    for name, (usage, description) in CLINICIAN_COMMANDS.items():
        arguments = usage.partition(" ")[2]
        text = f"{description} ({arguments})" if arguments else description
        commands.append(BotCommand(name, text[:MAX_COMMAND_DESCRIPTION_CHARS]))
    return commands


class CommandMenus:
    def __init__(self, bot: Bot, db: Database, content: ContentRegistry) -> None:
        self.bot = bot
        self.db = db
        self.content = content
        self._clinician_chats: set[int] = set()

    async def publish(self) -> None:
        """Patients' menu as the default (English), and in each language the content has for
        users whose Telegram speaks it; clinicians' menu in each linked clinician's chat."""
        bundle = self.content.current()
        try:
            await self.bot.set_my_commands(patient_commands(command_descriptions(bundle, FALLBACK_LOCALE)),
                                           scope=BotCommandScopeDefault())
            for locale in bundle.locales:
                if locale != FALLBACK_LOCALE:
                    await self.bot.set_my_commands(patient_commands(command_descriptions(bundle, locale)),
                                                   scope=BotCommandScopeDefault(), language_code=locale)
            async with self.db.transaction() as session:
                keys = list(await session.scalars(
                    select(Clinician.chat_key).where(Clinician.chat_key.is_not(None))))
        except (TelegramError, StorageError) as exc:
            log.warning("could not publish the command menus: %s", exc)
            return
        for key in keys:
            chat_id = chat_id_of(key)
            if chat_id is not None:
                await self._clinician_menu(chat_id)

    async def on_start(self, chat_id: int) -> None:
        """After /start: a clinician who just linked this chat gets their menu."""
        if chat_id in self._clinician_chats:
            return
        try:
            async with self.db.transaction() as session:
                linked = await session.scalar(
                    select(Clinician.id).where(Clinician.chat_key == chat_key(chat_id)))
        except StorageError:
            return
        if linked is not None:
            await self._clinician_menu(chat_id)

    async def _clinician_menu(self, chat_id: int) -> None:
        try:
            await self.bot.set_my_commands(clinician_commands(), scope=BotCommandScopeChat(chat_id))
            self._clinician_chats.add(chat_id)
        except TelegramError as exc:
            log.warning("could not set the clinician menu in chat %s: %s", chat_id, exc)
