"""The end-to-end fixtures (emulator, bot factory, test settings, event loop), shared rather
than copied: the chaos suite drives the same bot under test as tests/e2e."""

from tests.e2e.conftest import bots, emulator, pytest_asyncio_loop_factories, tg_settings

__all__ = ["bots", "emulator", "pytest_asyncio_loop_factories", "tg_settings"]
