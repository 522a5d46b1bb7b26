"""JSON Schemas of bank files, for editors (`exam bank schema`)."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from exam.banks.profile import ProfileFile
from exam.questions.registry import all_types


def question_file_model() -> type[BaseModel]:
    """The model of a question file: ``questions``, a list discriminated by ``type``."""
    models = tuple(t.model for t in all_types().values())
    item = Annotated[Union[models], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007  (a union built at run time)
    return create_model(
        "QuestionFile",
        __config__=ConfigDict(extra="forbid"),
        questions=(Annotated[list[item], Field(min_length=1)], ...),  # type: ignore[valid-type]
    )


def json_schemas() -> dict[str, Any]:
    """``{"question_file": ..., "profile_file": ...}``."""
    return {
        "question_file": question_file_model().model_json_schema(),
        "profile_file": ProfileFile.model_json_schema(),
    }
