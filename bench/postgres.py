"""What the benchmarks need of PostgreSQL beyond the bot's own use: a database of their own."""

from __future__ import annotations


async def admin(url: str, sql: str) -> None:
    """Run one statement (CREATE DATABASE, DROP DATABASE ...) outside a transaction."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
