"""The bot's handlers: each adapts one kind of update to the core and sends the reply.

Message text is passed to the core and rendered back; it is never stored, and
logged only with LOG_MESSAGE_TEXT=1. Every update is checked, in order, for a
duplicate delivery, the per-user flood limit and the allow-list.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.commands import COMMANDS as REGISTRY
from bot.conversation import Context, ContextStore, MemoryContextStore
from bot.reply import Reply
from bot.telegram.config import Config
from bot.telegram.guards import FloodControl, KeyedLocks, RecentIds
from bot.telegram.render import Button, esc, inline_items, keyboard, parse_callback, render_html
from bot.telegram.transport import may_have_arrived

if TYPE_CHECKING:
    from bot.core import Hit

log = logging.getLogger(__name__)

COMMANDS = tuple((c.name, c.summary) for c in REGISTRY)  # the menu (setMyCommands) and CommandHandler
COMMAND_NAMES = tuple(name for c in REGISTRY for name in (c.name, *c.aliases))
REFUSAL = (
    "Sorry, this bot is private. If you should have access, ask its administrator "
    "to add your Telegram user id: {user_id}."
)
SLOW_DOWN = "You are sending messages faster than I can answer. Please wait a minute."
APOLOGY = "Sorry, something went wrong while answering. Please try again."
TEXT_ONLY = "I read text only. Send your question as a message; /help shows examples."
CORE_THREADS = 1  # core calls at once; see Handlers.__init__
INLINE_CACHE_SECONDS = 300
INLINE_HITS = 8
HTML = ParseMode.HTML
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Every Bot method call gets HTML and no link preview from these Defaults (set on the Application);
# the one raw call, sendMessage through do_api_request, bypasses Defaults and sets both itself.
DEFAULTS = Defaults(parse_mode=HTML, link_preview_options=NO_PREVIEW)
NO_PREVIEW_JSON = {"is_disabled": True}
# Replies go out through Bot.do_api_request("sendMessage"), which warns that send_message exists;
# it is used on purpose (the answer is not parsed into a Message), so that one warning is silenced.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage' instead", category=PTBUserWarning)
_COMMAND_RE = re.compile(r"/(\w+)(?:@(\w+))?(.*)", re.DOTALL)


class MaybeDelivered(Exception):
    """A reply failed after (part of) it may have reached the user: logged, never apologised for."""


@dataclass(frozen=True)
class Core:
    """The three core functions the bot calls; tests pass their own."""

    answer: Callable[[str], Reply]
    answer_callback: Callable[[str], Reply]
    search: Callable[[str, int], Sequence[Hit]]
    # Follow-ups: a message read against its chat's context, and the context a bot message's
    # buttons carry. Without them every message is answered alone.
    answer_in_context: Callable[[str, Context | None], tuple[Reply, Context | None]] | None = None
    context_of_buttons: Callable[[Sequence[str]], Context | None] | None = None

    @classmethod
    def default(cls) -> Core:
        """The shared answering core, `bot.core`."""
        from bot import core

        return cls(core.answer, core.answer_callback, core.search, core.answer_in_context,
                   core.context_of_buttons)


def command_text(text: str, username: str | None) -> str | None:
    """'/cmd@ourbot args' as '/cmd args'; None when addressed to another bot."""
    match = _COMMAND_RE.match(text)
    if not match:
        return text
    name, target, rest = match.groups()
    if target and (not username or target.lower() != username.lower()):
        return None
    return f"/{name}{rest}"


def strip_mention(text: str, username: str | None) -> str:
    """The text without '@ourbot'."""
    if not username:
        return text.strip()
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


def markup_json(rows: list[list[Button]]) -> dict[str, object]:
    """Button rows as the Bot API's inline_keyboard JSON."""
    return {"inline_keyboard": [[{"text": b.label, "callback_data": b.data} for b in row] for row in rows]}


def markup(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """Button rows as Telegram's inline keyboard, or None for no buttons."""
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows])


def describe(error: BaseException | None, with_text: bool = False) -> str:
    """An error for the log: type, chain and traceback; the message only when safe.

    Telegram's own error messages are kept (they describe the API call). Other
    exceptions may quote what the user wrote, so their message is kept only
    with LOG_MESSAGE_TEXT=1.
    """
    if error is None:
        return "unknown error"
    parts = []
    current: BaseException | None = error
    while current is not None:
        shown = isinstance(current, TelegramError) or with_text
        parts.append(f"{type(current).__name__}: {current}" if shown else type(current).__name__)
        current = current.__cause__ or current.__context__
    frames = "".join(traceback.format_tb(error.__traceback__))
    return " <- ".join(parts) + ("\n" + frames.rstrip() if frames else "")


def is_for_bot(message: Message, bot: Bot) -> bool:
    """In a group: a reply to the bot, or a message mentioning it."""
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot.id:
        return True
    username = (bot.username or "").lower()
    for entity, text in message.parse_entities([MessageEntity.MENTION]).items():
        if entity.type == MessageEntity.MENTION and text.lower() == f"@{username}":
            return True
    return any(
        entity.user and entity.user.id == bot.id for entity in message.parse_entities([MessageEntity.TEXT_MENTION])
    )


class Handlers:
    """The handlers, with the configuration and per-process guards they share."""

    def __init__(self, config: Config, core: Core, contexts: ContextStore | None = None) -> None:
        self.config = config
        self.core = core
        self.contexts: ContextStore = contexts if contexts is not None else MemoryContextStore()
        self.flood = FloodControl(config.flood_limit, config.flood_window)
        self.recent = RecentIds()
        self.chat_locks = KeyedLocks()
        # The core runs here, off the event loop, so a slow message delays no other chat's sends or
        # the polling. One thread: the reader's work is bounded and linear (no regex retries inside
        # a digit run; bench/adversarial.py: the worst 4,096-character message costs < 100 normal
        # ones), so a heavy message holds the light ones behind it for milliseconds, and more
        # threads only contend for the GIL (four cost 1.63x the echo peer's CPU per update, one 1.39x).
        self._core_pool = ThreadPoolExecutor(max_workers=CORE_THREADS, thread_name_prefix="core")

    async def _core(self, function: Callable[..., object], *args: object) -> object:
        """`function(*args)` on the core's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._core_pool, function, *args)

    async def warm(self) -> None:
        """Load the core (building its database if needed) before the first update."""
        await self._core(self.core.answer, "/help")

    def close(self) -> None:
        """Let the core's thread go once its current call returns."""
        self._core_pool.shutdown(wait=False, cancel_futures=True)

    def register(self, app: Application) -> None:
        """Add every handler and the error handler to `app`."""
        new_message = filters.UpdateType.MESSAGE  # not edits: one reply per message
        app.add_handler(TypeHandler(Update, self.drop_duplicate), group=-1)
        app.add_handler(CommandHandler(list(COMMAND_NAMES), self.on_command, filters=new_message))
        app.add_handler(MessageHandler(filters.TEXT & new_message, self.on_text))
        app.add_handler(MessageHandler(filters.ChatType.PRIVATE & new_message & ~filters.TEXT, self.on_other))
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_handler(InlineQueryHandler(self.on_inline))
        app.add_error_handler(self.on_error)

    async def drop_duplicate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop an update this process has already handled (a redelivery)."""
        if self.recent.seen(update.update_id):
            log.info("update %s delivered again; dropped", update.update_id)
            raise ApplicationHandlerStop

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A known /command (PTB has checked any @botname): the core answers it."""
        message = update.effective_message
        text = command_text(message.text or "", context.bot.username)
        if text is not None:
            await self._answer(update, context, text)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Free text, or a command not in COMMANDS; in groups only when addressed to us."""
        message = update.effective_message
        bot = context.bot
        text = message.text or ""
        private = message.chat.type == ChatType.PRIVATE
        if text.startswith("/"):
            addressed = command_text(text, bot.username)
            if addressed is None or (not private and addressed == text):
                return  # another bot's command, or an unaddressed unknown one in a group
            text = addressed
        elif not private:
            if not is_for_bot(message, bot):
                return
            text = strip_mention(text, bot.username) or "/help"
        await self._answer(update, context, text)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker, photo, voice note... in a private chat: say we read text."""
        if await self._admit(update):
            await context.bot.send_message(update.effective_chat.id, esc(TEXT_ONLY))

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button: a choice edits the question into the answer; an action sends a new message."""
        query = update.callback_query
        if not await self._admit(update):
            return
        try:
            await query.answer()  # stops the button's spinner; not worth failing over
        except TelegramError as err:
            log.warning("answerCallbackQuery failed: %s", type(err).__name__)
        key = update.effective_chat.id if update.effective_chat else query.inline_message_id
        async with self.chat_locks.hold(key):
            await self._answer_button(update, context)

    async def _answer_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The core's reply to a pressed button, as an edit or a new message."""
        query = update.callback_query
        is_action, data = parse_callback(query.data or "")
        reply: Reply = await self._core(self.core.answer_callback, data)  # type: ignore[assignment]
        self._log_reply(update, reply)
        if update.effective_chat is not None:
            chat = update.effective_chat
            key = self.context_key(chat.id, chat.type, query.from_user.id if query.from_user else None)
            await self._core(self._keep_context_of, key, reply)
        message = query.message if query.message and query.message.is_accessible else None
        if is_action and message is not None:
            await self._send(context.bot, message.chat.id, reply, self._quote_id(message))
            return
        chunks, rows = render_html(reply), keyboard(reply)
        try:
            await query.edit_message_text(
                chunks[0],
                reply_markup=markup(rows) if len(chunks) == 1 else None,
            )
        except BadRequest as err:
            if "not modified" in str(err).lower():
                return  # the same button pressed twice: the message already shows this
            raise
        except TelegramError as err:
            if may_have_arrived(err):
                raise MaybeDelivered("editMessageText") from err
            raise
        if len(chunks) > 1 and message is not None:
            await self._send_chunks(context.bot, message.chat.id, chunks[1:], rows, None, delivered=True)

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """'@bot query' in any chat: the core's answer, then matching passages."""
        query = update.inline_query
        if not await self._admit(update, count=False):
            return
        text = query.query.strip()
        self._log_text(update, text)
        reply, hits = await self._core(self._inline_answer, text)  # type: ignore[misc]
        results = [
            InlineQueryResultArticle(
                id=item.id,
                title=item.title,
                description=item.description,
                input_message_content=InputTextMessageContent(
                    item.html  # HTML, no link preview: the Application's Defaults (bot.telegram.app)
                ),
                reply_markup=markup(item.buttons),
            )
            for item in inline_items(reply, hits)
        ]
        await query.answer(
            results,
            cache_time=INLINE_CACHE_SECONDS,
            is_personal=bool(self.config.allowed_user_ids),
        )

    def _inline_answer(self, text: str) -> tuple[Reply, Sequence[Hit]]:
        """The core's reply and the matching passages for an inline query (on the core's thread)."""
        return self.core.answer(text or "/help"), (self.core.search(text, INLINE_HITS) if text else [])

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure without message text; tell the user, without internals."""
        error = context.error
        if update is None and isinstance(error, NetworkError):
            log.warning("cannot reach the Bot API: %s", error)  # polling retries by itself
            return
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, MaybeDelivered):  # an apology could follow an answer the user has
            log.warning("update %s: the reply may have been delivered; no apology: %s", update_id,
                        describe(error.__cause__, self.config.log_message_text))
            return
        log.error("update %s failed: %s", update_id, describe(error, self.config.log_message_text))
        if not isinstance(update, Update) or isinstance(error, (TimedOut, RetryAfter, Forbidden)):
            return  # a timed-out send may have arrived; the others would fail again
        try:
            if update.effective_chat is not None:
                await context.bot.send_message(update.effective_chat.id, esc(APOLOGY))
            elif update.callback_query is not None:
                await update.callback_query.answer(APOLOGY, show_alert=True)
        except TelegramError as err:
            log.warning("could not tell the user about the failure: %s", type(err).__name__)

    async def _answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
        """Admit the update, ask the core, send the reply."""
        if not await self._admit(update):
            return
        self._log_text(update, text)
        message = update.effective_message
        async with self.chat_locks.hold(message.chat.id):
            reply: Reply = await self._core(self._answer_in_context, message, context.bot.id, text)  # type: ignore[assignment]
            self._log_reply(update, reply)
            await self._send(context.bot, message.chat.id, reply, self._quote_id(message))

    def _answer_in_context(self, message: Message, bot_id: int, text: str) -> Reply:
        """The core's reply, read against the context (on the core's thread); the context kept or cleared.

        A reply to one of the bot's messages is read against the context on that message's
        buttons (any replica can); any other message against the chat's stored context.
        """
        if self.core.answer_in_context is None:
            return self.core.answer(text)
        key = self.context_key(message.chat.id, message.chat.type, message.from_user.id if message.from_user else None)
        before = self._replied_context(message, bot_id)
        if before is None:
            before = self.contexts.get(key)
        reply, after = self.core.answer_in_context(text, before)
        if after is None:
            self.contexts.expire(key)
        else:
            self.contexts.put(key, after)
        return reply

    @staticmethod
    def context_key(chat_id: int, chat_type: str, user_id: int | None) -> int | tuple[int, int | None]:
        """Whose follow-up context: the chat's in a private chat; each member's own in a group."""
        return chat_id if chat_type == ChatType.PRIVATE else (chat_id, user_id)

    def _keep_context_of(self, key: int | tuple[int, int | None], reply: Reply) -> None:
        """After a button: the chat's context is what the reply's own buttons carry, if anything."""
        if self.core.context_of_buttons is None:
            return
        carried = self.core.context_of_buttons([b.data for b in (*reply.actions, *reply.choices)])
        if carried is not None:
            self.contexts.put(key, carried)

    def _replied_context(self, message: Message, bot_id: int) -> Context | None:
        """The context carried on the buttons of the bot's message this one replies to, if any."""
        replied = message.reply_to_message
        if (self.core.context_of_buttons is None or replied is None or replied.from_user is None
                or replied.from_user.id != bot_id or replied.reply_markup is None):
            return None
        datas = [parse_callback(b.callback_data)[1] for row in replied.reply_markup.inline_keyboard
                 for b in row if isinstance(b.callback_data, str)]
        return self.core.context_of_buttons(datas)

    async def _admit(self, update: Update, count: bool = True) -> bool:
        """Flood control (if `count`), then the allow-list; refuse politely, once."""
        user = update.effective_user
        if user is None:
            return False
        if count:
            verdict = self.flood.check(user.id)
            if verdict != "ok":
                if verdict == "warn":  # logged once per window, so a flood cannot flood the log
                    log.info("user %s over the flood limit; dropping until the window passes", user.id)
                    await self._notify(update, SLOW_DOWN)
                elif update.callback_query:
                    await update.callback_query.answer()  # stop the spinner, say nothing
                return False
        allowed = self.config.allowed_user_ids
        if allowed and user.id not in allowed:
            log.info("user %s refused: not in ALLOWED_USER_IDS", user.id)
            await self._notify(update, REFUSAL.format(user_id=user.id))
            return False
        return True

    async def _notify(self, update: Update, text: str) -> None:
        """A short notice in whatever form the update allows."""
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        elif update.inline_query:
            button = InlineQueryResultsButton(text=text[:64], start_parameter="private")
            await update.inline_query.answer([], cache_time=0, is_personal=True, button=button)
        elif update.effective_chat:
            await update.get_bot().send_message(update.effective_chat.id, esc(text))

    @staticmethod
    def _quote_id(message: Message) -> int | None:
        """In groups the reply quotes the question; in private chats it need not."""
        return None if message.chat.type == ChatType.PRIVATE else message.message_id

    async def _send(self, bot: Bot, chat_id: int, reply: Reply, quote_id: int | None) -> None:
        """Send a reply as one or more messages; buttons go under the last."""
        await self._send_chunks(bot, chat_id, render_html(reply), keyboard(reply), quote_id)

    @staticmethod
    async def _send_chunks(
        bot: Bot,
        chat_id: int,
        chunks: list[str],
        rows: list[list[Button]],
        quote_id: int | None,
        delivered: bool = False,
    ) -> None:
        """Send the chunks in order; MaybeDelivered once any part may have reached the user.

        `delivered`: an earlier part already reached the user (an edited message).
        """
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            params: dict[str, object] = {"chat_id": chat_id, "text": chunk, "parse_mode": HTML,
                                         "link_preview_options": NO_PREVIEW_JSON}
            if last and rows:
                params["reply_markup"] = markup_json(rows)
            if quote_id and i == 0:
                params["reply_parameters"] = {"message_id": quote_id, "allow_sending_without_reply": True}
            try:
                # The API call itself, without building a Message from the answer: nothing reads it,
                # and parsing it was ~0.1 ms of CPU per reply.
                await bot.do_api_request("sendMessage", api_kwargs=params)
            except TelegramError as err:
                if delivered or may_have_arrived(err):
                    raise MaybeDelivered(f"sendMessage, part {i + 1} of {len(chunks)}") from err
                raise
            delivered = True

    def _log_text(self, update: Update, text: str) -> None:
        if self.config.log_message_text:
            log.info("update %s text (LOG_MESSAGE_TEXT=1): %r", update.update_id, text)

    @staticmethod
    def _log_reply(update: Update, reply: Reply) -> None:
        level = logging.ERROR if reply.kind == "error" else logging.DEBUG
        log.log(level, "update %s answered: kind=%s rule=%s", update.update_id, reply.kind, reply.rule)
