"""The one-insert ceiling: a minimal FastAPI app under the same uvicorn that inserts one row per POST.

``benchmarks/load_exam.py --ceiling-seconds S`` serves it with the exam's server settings (same workers, same
database engine, same connection settings from ``exam.db.make_engine``) and drives it with the same client
and the same concurrency, so the exam's autosave throughput can be read as a fraction of this ceiling.

Environment: ``CEILING_DATABASE_URL`` (SQLite file or PostgreSQL) and ``CEILING_MODE`` (``sqlmodel``: an ORM
session per request, the default; ``driver``: one ``INSERT`` through the connection, no ORM).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlmodel import Field, Session, SQLModel

from exam.db import make_engine, writer


class CeilingSave(SQLModel, table=True):
    """One saved answer of the ceiling app."""

    __tablename__ = "ceiling_save"
    id: int | None = Field(default=None, primary_key=True)
    client: int = 0
    body: str = ""
    at: datetime


def create_app() -> FastAPI:
    """The app: POST /save inserts one row, GET /healthz answers."""
    url = os.environ["CEILING_DATABASE_URL"]
    mode = os.environ.get("CEILING_MODE", "sqlmodel")
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine, tables=[CeilingSave.__table__])  # type: ignore[list-item]
    wengine = writer(engine)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"ok": True})

    @app.post("/save")
    def save(body: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        now = datetime.now(UTC)
        if mode == "driver":
            with wengine.begin() as conn:
                row_id = conn.execute(
                    text("INSERT INTO ceiling_save (client, body, at) VALUES (:c, :b, :a) RETURNING id"),
                    {"c": int(body.get("client", 0)), "b": str(body.get("text", ""))[:2000], "a": now},
                ).scalar_one()
        else:
            with Session(wengine, expire_on_commit=False) as session:
                row = CeilingSave(client=int(body.get("client", 0)), body=str(body.get("text", ""))[:2000], at=now)
                session.add(row)
                session.commit()
                row_id = row.id
        return JSONResponse({"ok": True, "id": row_id})

    return app
