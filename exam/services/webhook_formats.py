"""What a webhook request looks like: the generic signed JSON and the 企业微信 / 钉钉 / 飞书 robot messages.

Pure functions of an event's payload (the snapshot written to the outbox) and the endpoint: no database, no
network. The generic receiver's check is :func:`verify`; README.md ("Integrate") shows it to integrators.

- generic: the JSON body, headers X-Exam-Event, X-Exam-Delivery (stable across retries: deduplicate on it),
  X-Exam-Timestamp (Unix seconds) and X-Exam-Signature = "sha256=" + hex HMAC-SHA256(secret, f"{ts}.{body}").
- wecom: ``{"msgtype": "markdown", "markdown": {"content": …}}``; no signing (the key is in the URL).
- dingtalk: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; with a secret, the query parameters
  ``timestamp`` (ms) and ``sign`` = url-encoded base64 HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}").
- feishu: ``{"msg_type": "text", "content": {"text": …}}``; with a secret, ``timestamp`` (s) and ``sign`` =
  base64 HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"") in the body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

KINDS = ("generic", "wecom", "dingtalk", "feishu")
EVENTS = ("attempt.submitted", "attempt.graded", "attempt.overridden", "attempt.decided")
PING = "ping"
REPLAY_WINDOW_SECONDS = 300

# The short Chinese message of the group robots (the groups speak Chinese whatever the server's UI language).
EVENT_TITLES = {
    "attempt.submitted": "候选人已交卷",
    "attempt.graded": "候选人成绩已出",
    "attempt.overridden": "复核改分",
    "attempt.decided": "录用决定已更新",
    PING: "测试消息",
}
DECISIONS = {"shortlist": "进入候选名单", "hold": "待定", "reject": "不录用", "hire": "录用"}
STATUSES = {
    "in_progress": "作答中",
    "submitted": "已交卷",
    "graded": "已评分",
    "expired": "已过期",
    "abandoned": "未完成",
}


@dataclass
class Request:
    """One HTTP POST to make."""

    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def signature(secret: str, timestamp: str | int, body: bytes) -> str:
    """The generic X-Exam-Signature value: "sha256=" + hex HMAC-SHA256 of f"{timestamp}.{body}"."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature_header: str | None,
    *,
    now: float | None = None,
    window: int = REPLAY_WINDOW_SECONDS,
) -> bool:
    """The receiver's check: a fresh timestamp (within ``window`` seconds) and a matching signature."""
    if not timestamp or not signature_header or not timestamp.isdigit():
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > window:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), signature_header.strip())


def dingtalk_sign(secret: str, timestamp_ms: str | int) -> str:
    """钉钉's sign (before url-encoding): base64 HMAC-SHA256 with the secret as key over f"{ts}\\n{secret}"."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def feishu_sign(secret: str, timestamp_s: str | int) -> str:
    """飞书's sign: base64 HMAC-SHA256 with f"{ts}\\n{secret}" as the key over an empty message."""
    mac = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def _add_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote_plus)))


def _score(payload: Mapping[str, Any]) -> str:
    score = (payload.get("attempt") or {}).get("hiring_score")
    return f"{score:.1f}" if isinstance(score, (int, float)) else "—"


def message_lines(payload: Mapping[str, Any], report_url: str) -> tuple[str, list[str]]:
    """(title, lines) of the short Chinese message: candidate, opening, score, band, decision, the report."""
    attempt = payload.get("attempt") or {}
    opening = payload.get("opening") or {}
    title = EVENT_TITLES.get(str(payload.get("event")), "招聘考试通知")
    lines = [
        f"候选人：{attempt.get('candidate') or '—'}",
        f"岗位：{opening.get('title') or '—'}",
        f"状态：{STATUSES.get(attempt.get('status') or '', attempt.get('status') or '—')}",
        f"录用分：{_score(payload)}",
        f"推荐等级：{attempt.get('band') or '—'}",
    ]
    if attempt.get("decision"):
        lines.append(f"决定：{DECISIONS.get(attempt['decision'], attempt['decision'])}")
    return title, lines


def _markdown(payload: Mapping[str, Any], report_url: str, *, heading: str) -> tuple[str, str]:
    title, lines = message_lines(payload, report_url)
    text = f"{heading} {title}\n" + "\n".join(f"> {line}" for line in lines)
    if report_url:
        text += f"\n\n[查看报告]({report_url})"
    return title, text


def build(
    kind: str, url: str, secret: str, payload: Mapping[str, Any], delivery_uid: str, report_url: str, now: float
) -> Request:
    """The request that delivers ``payload`` to an endpoint of ``kind``, signed at ``now`` (Unix seconds)."""
    if kind == "wecom":
        _title, text = _markdown(payload, report_url, heading="###")
        body = {"msgtype": "markdown", "markdown": {"content": text}}
        return Request(url, _json(body), {"Content-Type": "application/json"})
    if kind == "dingtalk":
        title, text = _markdown(payload, report_url, heading="####")
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        if secret:
            ts = str(int(now * 1000))
            url = _add_query(url, {"timestamp": ts, "sign": dingtalk_sign(secret, ts)})
        return Request(url, _json(body), {"Content-Type": "application/json"})
    if kind == "feishu":
        title, lines = message_lines(payload, report_url)
        text = "\n".join([title, *lines] + ([f"报告：{report_url}"] if report_url else []))
        feishu: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if secret:
            ts = str(int(now))
            feishu = {"timestamp": ts, "sign": feishu_sign(secret, ts), **feishu}
        return Request(url, _json(feishu), {"Content-Type": "application/json"})
    generic = {**payload, "report_url": report_url or None}
    body_bytes = _json(generic)
    ts = str(int(now))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "exam-webhooks/1",
        "X-Exam-Event": str(payload.get("event")),
        "X-Exam-Delivery": delivery_uid,
        "X-Exam-Timestamp": ts,
        "X-Exam-Signature": signature(secret, ts, body_bytes),
    }
    return Request(url, body_bytes, headers)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def robot_error(kind: str, text: str) -> str | None:
    """The error a robot reports in a 200 answer (errcode / code ≠ 0), or None when it accepted the message."""
    if kind == "generic":
        return None
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return None if kind == "wecom" and not text else "the robot's answer is not JSON"
    if not isinstance(data, dict):
        return "the robot's answer is not a JSON object"
    code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
    if code in (0, "0", None):
        return None
    message = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
    return f"robot error {code}: {message}"[:300]
