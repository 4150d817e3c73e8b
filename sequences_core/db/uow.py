"""Unit of work: the only thing that opens a session; services receive it and commit explicitly."""

from __future__ import annotations

from types import TracebackType
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

# One session factory per engine: a new sessionmaker is a new Session subclass, whose first
# session wires its event dispatch afresh (~90 µs a unit of work instead of ~7 µs).
_FACTORIES: WeakKeyDictionary[Engine, sessionmaker[Session]] = WeakKeyDictionary()


def _factory_for(engine: Engine) -> sessionmaker[Session]:
    found = _FACTORIES.get(engine)
    if found is None:
        found = _FACTORIES[engine] = sessionmaker(engine, expire_on_commit=False)
    return found


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = _factory_for(engine)
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside `with`")
        return self._session

    def open(self) -> UnitOfWork:
        """What `with` does on entry; for a unit one thread opens and another closes."""
        self._session = self._factory()
        return self

    def close(self) -> None:
        assert self._session is not None
        # close() rolls back whatever was not committed, and keeps loaded objects readable.
        self._session.close()
        self._session = None

    def __enter__(self) -> UnitOfWork:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
