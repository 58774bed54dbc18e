"""The in-process bus: a command or event goes to its handler inside a unit of work.

Handlers are `async def handler(message, uow, deps)`; the service's `handlers.py` lists
them in tables, and `bootstrap.py` binds its `Dependencies` with `shared.wiring.bind_all`,
so the bus calls `handler(command, uow)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from shared.errors import Conflict
from shared.transient import RACE_ATTEMPTS, is_write_race
from shared.unit_of_work import UnitOfWork

Handler = Callable[[Any, Any], Awaitable[Any]]
Run = Callable[[Any], Awaitable[Any]]
"""Runs one command's handler in the script's unit of work."""
T = TypeVar("T")


class MessageBus:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        command_handlers: Mapping[type, Handler],
    ) -> None:
        self.uow_factory = uow_factory
        self.command_handlers = dict(command_handlers)

    async def handle(self, command: Any) -> Any:
        """Run the command's handler in a fresh unit of work and commit it."""
        return await self.handle_together(lambda run: run(command))

    async def handle_together(self, script: Callable[[Run], Awaitable[T]], *,
                              commit: bool = True) -> T:
        """Run `script` in one fresh unit of work: each command it runs (`await
        run(command)`, answering the handler's result) sees the ones before it, and all
        commit together, or none does (`commit=False`: a dry run, rolled back).

        Lost a write race (a concurrent request created the same thing): run it again,
        now seeing the other's row; still losing after a few tries answers `Conflict`.
        """
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                async with self.uow_factory() as uow:
                    async def run(command: Any, uow: UnitOfWork = uow) -> Any:
                        return await self.command_handlers[type(command)](command, uow)

                    result = await script(run)
                    if commit:
                        await uow.commit()
                return result
            except Exception as error:
                if not is_write_race(error):
                    raise
                if attempt == RACE_ATTEMPTS:
                    raise Conflict("a concurrent change to the same record; try again") \
                        from error
        raise AssertionError("unreachable")
