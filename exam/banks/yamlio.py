"""YAML in with line numbers (PyYAML's node API) and readable YAML out."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

FLOW_MAX_WIDTH = 100
UTF8_BOM = b"\xef\xbb\xbf"


class DecodeFailed(ValueError):
    """Raised when file bytes are not UTF-8; carries the 1-based line of the first bad byte."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def decode(raw: bytes) -> str:
    """Decode UTF-8 (a BOM is allowed); DecodeFailed with the line of the first bad byte."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DecodeFailed(1, "file is UTF-16 encoded; save it as UTF-8")
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start]
        raise DecodeFailed(
            line, f"file is not valid UTF-8 (first bad byte 0x{byte:02x}); save it as UTF-8 (it may be GBK)"
        ) from None


@dataclass(frozen=True)
class Document:
    """A parsed YAML document: the node tree (for line numbers) and the Python data."""

    node: Node | None
    data: Any


MAX_DEPTH = 40  # bank files nest a handful of levels; deeper is a mistake or an attack on the parser's stack


class TooDeep(yaml.YAMLError):
    """A document nested deeper than MAX_DEPTH (reported like a syntax error, with its line)."""

    def __init__(self, line: int | None = None) -> None:
        super().__init__(f"the document is nested more than {MAX_DEPTH} levels deep")
        self.problem = f"the document is nested more than {MAX_DEPTH} levels deep"
        self.problem_mark = yaml.Mark("<text>", 0, (line or 1) - 1, 0, None, None)  # type: ignore[arg-type]
        self.context = None


def _check_depth(root: Node | None) -> None:
    """TooDeep (with the line) when the node tree is deeper than MAX_DEPTH; iterative, so it cannot overflow."""
    stack = [(root, 1)] if root is not None else []
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TooDeep(node.start_mark.line + 1)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            stack.extend((child, depth + 1) for pair in node.value for child in pair)
        elif isinstance(node, SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)


# libyaml's parser is about six times faster than PyYAML's pure-Python one; PyYAML's parser still decides
# everything libyaml refuses (so that syntax errors read the same) and any text with characters it refuses.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)


def _load(loader_class: Any, text: str) -> Document:
    loader = loader_class(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:  # the composer recurses once per level: deeper than Python's stack
            mark = loader.get_mark() if hasattr(loader, "get_mark") else None
            raise TooDeep(mark.line + 1 if mark is not None else 1) from None
        _check_depth(node)
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return Document(node, data)


def parse(text: str) -> Document:
    """Compose and construct a single YAML document (raises yaml.YAMLError, TooDeep for deep nesting)."""
    if _FAST_LOADER is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            return _load(_FAST_LOADER, text)
        except yaml.YAMLError:
            pass  # PyYAML's own parser gives the error (same message and line as always)
    return _load(yaml.SafeLoader, text)


def error_line(exc: yaml.YAMLError) -> int:
    """The 1-based line of a YAML error (1 when PyYAML gives no mark)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else 1


def error_message(exc: yaml.YAMLError) -> str:
    """A one-line description of a YAML error."""
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        text = f"YAML syntax error: {problem}"
        if context:
            context_mark = getattr(exc, "context_mark", None)
            where = f" at line {context_mark.line + 1}" if context_mark is not None else ""
            text += f" ({context}{where})"
        return text
    return f"YAML syntax error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"


def node_at(root: Node | None, loc: Sequence[str | int]) -> Node | None:
    """The node at ``loc`` or the nearest ancestor found; a mapping key's own node for the last key."""
    node = root
    last = len(loc) - 1
    for position, step in enumerate(loc):
        if isinstance(node, MappingNode):
            found = None
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == str(step):
                    found = (key, value)
            if found is None:
                return node
            node = found[0] if position == last else found[1]
        elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
        else:
            return node
    return node


def line_at(root: Node | None, loc: Sequence[str | int]) -> int:
    """The 1-based line of ``loc`` (see node_at); 1 without a node."""
    node = node_at(root, loc)
    return node.start_mark.line + 1 if node is not None else 1


def duplicate_keys(root: Node | None) -> list[tuple[int, str, int]]:
    """(line, key, first line) for every key repeated in a mapping (PyYAML keeps the last silently)."""
    found: list[tuple[int, str, int]] = []
    stack = [root] if root is not None else []
    seen_nodes: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    line = key.start_mark.line + 1
                    if key.value in first:
                        found.append((line, key.value, first[key.value]))
                    else:
                        first[key.value] = line
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return sorted(found)


def _width(text: str) -> int:
    """Display width: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_scalar(value: Any) -> bool:
    """Whether ``value`` is a single-line scalar."""
    if isinstance(value, str):
        return "\n" not in value
    return value is None or isinstance(value, (bool, int, float))


def _flat(value: Any) -> bool:
    """A single-line scalar or a list of them."""
    return _is_scalar(value) or (isinstance(value, list) and all(_is_scalar(v) for v in value))


class _Dumper(yaml.SafeDumper):
    """Block style, indented lists, literal blocks for multi-line text, flow style for short leaves."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_dict(dumper: yaml.SafeDumper, value: dict) -> MappingNode:
    flow = (
        bool(value)
        and all(_flat(v) for v in value.values())
        and (_width(", ".join(f"{k}: {v}" for k, v in value.items())) <= FLOW_MAX_WIDTH)
    )
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=flow)


def _short_word(value: Any) -> bool:
    """A scalar fit for a flow list: not prose (short, no sentence punctuation)."""
    if not isinstance(value, str):
        return _is_scalar(value)
    return _width(value) <= 20 and not any(ch in value for ch in "\n，。？！；：,;?!")


def _represent_list(dumper: yaml.SafeDumper, value: list) -> SequenceNode:
    flow = all(_short_word(v) for v in value) and _width(", ".join(map(str, value))) <= FLOW_MAX_WIDTH
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def dump_yaml(data: Any) -> str:
    """Readable YAML: UTF-8 text, keys in the given order, block style with short flow leaves."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000, indent=2)
