"""Pictures of a dialogue for its authors: Mermaid text and a PNG drawn with matplotlib.

Both show the states as written (a questionnaire or exercise state is one box, not one per
item) and every way out of them: buttons by their English label, `text`, `intent: x`,
`auto` for `next:` and `then` after a questionnaire or exercise, each with its condition in
short. A goto to a state that does not exist is drawn in red, so the picture shows mistakes
too. The PNG needs no graphviz: states are laid out in rows by their distance from `start`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path as MplPath

from bot.content.bundle import Bundle
from bot.errors import ContentError

MAX_LABEL_CHARS = 22
MAX_CONDITION_CHARS = 30
MAX_MERGED_LABELS = 3
"""Parallel buttons to the same state are listed up to this many, then shown as a range."""
SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}

# PNG layout, in inches (the axes are laid out 1:1 in inches, so text sizes are predictable).
DPI = 150
CHAR_WIDTH = 0.075
"""Width of one character at NODE_FONT points, roughly (DejaVu Sans)."""
NODE_FONT = 9
LABEL_FONT = 7
NODE_HEIGHT = 0.5
NODE_PAD = 0.35
NODE_MIN_WIDTH = 1.2
NODE_GAP = 0.6
BEND_WIDTH = 0.3
"""Room kept in a row for an arrow passing through it to a later row."""
SPREAD_STEP = 0.22
"""Distance between arrows leaving or entering the same box."""
LAYER_GAP = 1.45
MARGIN = 0.6
TITLE_SPACE = 0.6
LEGEND_SPACE = 0.45
COLOURS = {
    "state": ("#e8f0fe", "#3c64a8"),
    "auto": ("#f1f3f4", "#5f6368"),
    "questionnaire": ("#fff4d6", "#b07d00"),
    "exercise": ("#e6f4ea", "#2e7d32"),
    "missing": ("#fde7e7", "#c62828"),
}
"""Fill and border by kind of state."""
EDGE_COLOUR = "#444444"
UNREACHABLE_ALPHA = 0.45


@dataclass
class Node:
    name: str
    kind: str
    """state | auto | questionnaire | exercise | missing"""
    detail: str = ""
    end: bool = False
    start: bool = False


@dataclass
class Edge:
    source: str
    target: str
    label: str


@dataclass
class Graph:
    dialogue: str
    start: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)


def graph(bundle: Bundle, dialogue_id: str) -> Graph:
    """The dialogue's states and labelled transitions, as authored."""
    raw = bundle.dialogues.get(dialogue_id)
    if raw is None:
        known = ", ".join(sorted(bundle.dialogues)) or "none"
        raise ContentError(f"no dialogue {dialogue_id!r}; known: {known}")
    states: Any = raw.get("states") if isinstance(raw.get("states"), dict) else {}
    result = Graph(dialogue=dialogue_id, start=str(raw.get("start")))
    for name, body in states.items():
        body = body if isinstance(body, dict) else {}
        result.nodes[str(name)] = _node(str(name), body)
    for name, body in states.items():
        if isinstance(body, dict):
            result.edges += _edges(bundle, str(name), body)
    for edge in result.edges:
        if edge.target not in result.nodes:
            result.nodes[edge.target] = Node(edge.target, "missing", "missing state")
    if result.start in result.nodes:
        result.nodes[result.start].start = True
    elif result.start:
        result.nodes[result.start] = Node(result.start, "missing", "missing start", start=True)
    for node in result.nodes.values():
        if node.kind != "missing" and not any(e.source == node.name for e in result.edges):
            node.end = True  # the engine finishes a conversation in a state with no way out
    return result


def _node(name: str, body: dict[str, Any]) -> Node:
    if "questionnaire" in body:
        return Node(name, "questionnaire", f"questionnaire {body['questionnaire']}")
    if "exercise" in body:
        return Node(name, "exercise", f"exercise {body['exercise']}")
    waits = any(body.get(k) for k in ("buttons", "text", "intents"))
    kind = "auto" if body.get("next") and not waits else "state"
    return Node(name, kind, end=body.get("end") is True)


def _edges(bundle: Bundle, name: str, body: dict[str, Any]) -> list[Edge]:
    edges: list[Edge] = []
    if "questionnaire" in body or "exercise" in body:
        return [Edge(name, goto, _with(("then",), cond, actions)) for goto, cond, actions in _routes(body.get("then"))]
    by_target: dict[tuple[str, str], list[str]] = {}
    for button in _as_list(body.get("buttons")):
        if not isinstance(button, dict):
            continue
        label = english(bundle, button.get("label"))
        routes = _routes(button.get("routes")) or _routes(
            {"goto": button["goto"], "do": button.get("do")} if "goto" in button else None
        )
        for index, (goto, cond, actions) in enumerate(routes):
            if index == 0 and "if" in button:
                cond = button["if"]
            extra = _with((), cond, actions)
            by_target.setdefault((goto, extra), []).append(label)
    for (goto, extra), labels in by_target.items():
        edges.append(Edge(name, goto, (_merge(labels) + (" " + extra if extra else "")).strip()))
    edges += [Edge(name, goto, _with(("text",), cond, actions)) for goto, cond, actions in _routes(body.get("text"))]
    intents = body.get("intents")
    if isinstance(intents, dict):
        for intent, routes in intents.items():
            edges += [Edge(name, goto, _with((f"intent: {intent}",), cond, actions))
                      for goto, cond, actions in _routes(routes)]
    edges += [Edge(name, goto, _with(("auto",), cond, actions)) for goto, cond, actions in _routes(body.get("next"))]
    return edges


def _routes(raw: Any) -> list[tuple[str, Any, Any]]:
    out = []
    for item in _as_list(raw):
        if isinstance(item, str):
            out.append((item, None, None))
        elif isinstance(item, dict) and isinstance(item.get("goto"), str):
            out.append((item["goto"], item.get("if"), item.get("do")))
    return out


def _with(base: tuple[str, ...], condition: Any, actions: Any) -> str:
    """`auto [mood ≤ 3] +flag`: the kind of route, its condition in short, a raised flag."""
    parts = list(base)
    if condition is not None:
        parts.append(f"[{short_condition(condition)}]")
    if any(isinstance(a, dict) and "flag" in a for a in _as_list(actions)):
        parts.append("+flag")
    return " ".join(parts)


def _merge(labels: list[str]) -> str:
    if len(labels) <= MAX_MERGED_LABELS:
        return ", ".join(labels)
    return f"{labels[0]} … {labels[-1]} ({len(labels)} buttons)"


def english(bundle: Bundle, ref: Any) -> str:
    """A label as English patients see it, shortened."""
    if isinstance(ref, dict):
        text = ref.get("en") or next(iter(ref.values()), "")
    else:
        text = bundle.message(str(ref), "en") or str(ref)
    return _shorten(" ".join(str(text).split()), MAX_LABEL_CHARS)


def short_condition(condition: Any) -> str:
    """`{all: [{var: mood, le: 3}, {var: note, exists: true}]}` -> `mood ≤ 3 & note set`."""
    return _shorten(_condition_text(condition), MAX_CONDITION_CHARS)


def _condition_text(condition: Any) -> str:
    if not isinstance(condition, dict):
        return str(condition)
    if "all" in condition:
        return " & ".join(_condition_text(c) for c in _as_list(condition["all"]))
    if "any" in condition:
        return " or ".join(_condition_text(c) for c in _as_list(condition["any"]))
    if "not" in condition:
        return f"not ({_condition_text(condition['not'])})"
    var = str(condition.get("var", "?"))
    for op, symbol in SYMBOLS.items():
        if op in condition:
            return f"{var} {symbol} {condition[op]}"
    if "in" in condition:
        return f"{var} in {', '.join(str(v) for v in _as_list(condition['in']))}"
    if "exists" in condition:
        return f"{var} set" if condition["exists"] else f"no {var}"
    if "is" in condition:
        return f"{var} is a {condition['is']}"
    return var


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# --- Mermaid --------------------------------------------------------------------------------


def mermaid(bundle: Bundle, dialogue_id: str) -> str:
    """The dialogue as a Mermaid `stateDiagram-v2` (paste into any Mermaid viewer)."""
    g = graph(bundle, dialogue_id)
    ids = _mermaid_ids(g.nodes)
    lines = ["stateDiagram-v2", f"    %% dialogue {dialogue_id}: states and transitions as authored"]
    for node in g.nodes.values():
        title = node.name + (f" · {node.detail}" if node.detail else "")
        if title != ids[node.name]:
            lines.append(f'    state "{_escape(title)}" as {ids[node.name]}')
    if g.start in ids:
        lines.append(f"    [*] --> {ids[g.start]}")
    for edge in g.edges:
        label = f" : {_escape(edge.label)}" if edge.label else ""
        lines.append(f"    {ids[edge.source]} --> {ids[edge.target]}{label}")
    for node in g.nodes.values():
        if node.end:
            lines.append(f"    {ids[node.name]} --> [*]")
    missing = [ids[n.name] for n in g.nodes.values() if n.kind == "missing"]
    if missing:
        lines.append("    classDef missing fill:#fde7e7,stroke:#c62828,color:#c62828")
        lines.append(f"    class {','.join(missing)} missing")
    return "\n".join(lines) + "\n"


def _mermaid_ids(nodes: Iterable[str]) -> dict[str, str]:
    """State names as Mermaid ids: letters, digits and _ only, never clashing."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for name in nodes:
        base = re.sub(r"\W", "_", name) or "state"
        if base[0].isdigit():
            base = "s_" + base
        candidate, number = base, 2
        while candidate in used:
            candidate, number = f"{base}_{number}", number + 1
        used.add(candidate)
        ids[name] = candidate
    return ids


def _escape(text: str) -> str:
    """Mermaid entity codes for characters its parser would take as syntax."""
    return "".join(f"#{ord(c)};" if c in '#;"<>{}' else c for c in text)


# --- PNG ------------------------------------------------------------------------------------


@dataclass
class _Box:
    x: float
    y: float
    width: float
    depth: int


@dataclass
class _Layout:
    boxes: dict[str, _Box]
    bends: dict[int, list[tuple[float, float]]]
    """Edge index -> the points it passes through in the rows it skips."""
    width: float
    height: float


def render_png(bundle: Bundle, dialogue_id: str, path: Path) -> Path:
    """Draw the dialogue as a PNG: rows by distance from start, arrows with labels."""
    g = _merged(graph(bundle, dialogue_id))
    depth, unreachable, back = _depths(g)
    for name in unreachable:
        node = g.nodes[name]
        node.detail = f"{node.detail} · unreachable" if node.detail else "unreachable"
    layout = _layout(g, depth, back)
    figure = Figure(figsize=(layout.width, layout.height), dpi=DPI)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, layout.width)
    ax.set_ylim(0, layout.height)
    ax.axis("off")
    ax.text(MARGIN, layout.height - TITLE_SPACE / 2 - 0.05, f"dialogue: {dialogue_id}", fontsize=12,
            fontweight="bold", va="center")
    placed: list[tuple[float, float, float, float]] = []
    ends = _edge_ends(g, layout)
    for index, edge in enumerate(g.edges):
        _draw_edge(ax, edge, layout, ends.get(index, (0.0, 0.0)), layout.bends.get(index, []), placed)
    for node in g.nodes.values():
        _draw_node(ax, node, layout.boxes[node.name], node.name in unreachable)
    _legend(ax)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=DPI, facecolor="white")
    return path


def _merged(g: Graph) -> Graph:
    """One arrow per pair of states, its labels one per line (a picture, not a transcript)."""
    labels: dict[tuple[str, str], list[str]] = {}
    for edge in g.edges:
        labels.setdefault((edge.source, edge.target), []).append(edge.label)
    edges = [Edge(src, dst, "\n".join(t for t in texts if t)) for (src, dst), texts in labels.items()]
    return Graph(g.dialogue, g.start, g.nodes, edges)


def _depths(g: Graph) -> tuple[dict[str, int], set[str], set[tuple[str, str]]]:
    """Rows: breadth-first distance from start, then each state moved below every state that
    leads to it (except along loops back), so arrows point down; unreached states go last."""
    depth: dict[str, int] = {}
    if g.start in g.nodes:
        depth[g.start] = 0
        queue = [g.start]
        while queue:
            current = queue.pop(0)
            for edge in g.edges:
                if edge.source == current and edge.target not in depth:
                    depth[edge.target] = depth[current] + 1
                    queue.append(edge.target)
    unreachable = {n for n in g.nodes if n not in depth}
    back = _back_edges(g)
    forward = [e for e in g.edges if (e.source, e.target) not in back and e.source not in unreachable]
    for _ in range(len(g.nodes)):  # the forward edges form no cycle, so this settles
        moved = False
        for edge in forward:
            if depth[edge.target] <= depth[edge.source]:
                depth[edge.target] = depth[edge.source] + 1
                moved = True
        if not moved:
            break
    last = max(depth.values(), default=-1) + 1
    for name in g.nodes:
        depth.setdefault(name, last)
    return depth, unreachable, back


def _back_edges(g: Graph) -> set[tuple[str, str]]:
    """Edges that close a loop, found by a depth-first walk from start in authored order."""
    back: set[tuple[str, str]] = set()
    if g.start not in g.nodes:
        return back
    outgoing: dict[str, list[str]] = {}
    for edge in g.edges:
        outgoing.setdefault(edge.source, []).append(edge.target)
    on_path: set[str] = {g.start}
    done: set[str] = set()
    stack = [(g.start, iter(outgoing.get(g.start, [])))]
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            on_path.discard(node)
            done.add(node)
        elif child in on_path:
            back.add((node, child))
        elif child not in done:
            on_path.add(child)
            stack.append((child, iter(outgoing.get(child, []))))
    return back


def _node_lines(node: Node) -> list[str]:
    second = node.detail or ("end" if node.end else "")
    if node.end and node.detail:
        second += " · end"
    return [node.name, second] if second else [node.name]


_Slot = str | tuple[int, int]
"""A place in a row: a state's name, or (edge index, row) for a bend of a long edge."""


def _layout(g: Graph, depth: dict[str, int], back: set[tuple[str, str]]) -> _Layout:
    rows: dict[int, list[_Slot]] = {}
    for name in g.nodes:  # authored order first, then sorted by where their parents are
        rows.setdefault(depth[name], []).append(name)
    parents: dict[_Slot, list[_Slot]] = {}
    for index, edge in enumerate(g.edges):
        top, bottom = depth[edge.source], depth[edge.target]
        if (edge.source, edge.target) in back or bottom <= top:
            continue
        previous: _Slot = edge.source
        for level in range(top + 1, bottom):
            bend = (index, level)
            rows.setdefault(level, []).append(bend)
            parents[bend] = [previous]
            previous = bend
        parents.setdefault(edge.target, []).append(previous)
    order: dict[_Slot, float] = {slot: i for row in rows.values() for i, slot in enumerate(row)}
    for _ in range(3):
        for level in sorted(rows)[1:]:
            def centre(slot: _Slot) -> float:
                above = parents.get(slot, [])
                return sum(order[p] for p in above) / len(above) if above else order[slot]
            rows[level].sort(key=centre)
            order.update({slot: float(i) for i, slot in enumerate(rows[level])})

    def width_of(slot: _Slot) -> float:
        if isinstance(slot, tuple):
            return BEND_WIDTH
        return max(NODE_MIN_WIDTH, max(len(t) for t in _node_lines(g.nodes[slot])) * CHAR_WIDTH + NODE_PAD)

    row_width = {level: sum(width_of(s) for s in row) + NODE_GAP * (len(row) - 1) for level, row in rows.items()}
    width = max(max(row_width.values(), default=NODE_MIN_WIDTH) + 2 * MARGIN + 1.0, _legend_width() + 2 * MARGIN)
    levels = sorted(rows)
    height = TITLE_SPACE + LEGEND_SPACE + 2 * MARGIN + LAYER_GAP * max(len(levels) - 1, 0) + NODE_HEIGHT
    layout = _Layout({}, {}, width, height)
    for level in levels:
        x = (width - row_width[level]) / 2
        y = height - TITLE_SPACE - MARGIN - NODE_HEIGHT / 2 - LAYER_GAP * levels.index(level)
        for slot in rows[level]:
            w = width_of(slot)
            if isinstance(slot, tuple):
                layout.bends.setdefault(slot[0], []).append((x + w / 2, y))
            else:
                layout.boxes[slot] = _Box(x + w / 2, y, w, level)
            x += w + NODE_GAP
    for points in layout.bends.values():
        points.sort(key=lambda p: -p[1])
    return layout


def _edge_ends(g: Graph, layout: _Layout) -> dict[int, tuple[float, float]]:
    """Where each downward arrow leaves its box and enters the next, spread along the edges
    (in the order of where they go) so arrows don't all meet in one point."""
    leaving: dict[str, list[tuple[float, int]]] = {}
    entering: dict[str, list[tuple[float, int]]] = {}
    for index, edge in enumerate(g.edges):
        src, dst = layout.boxes[edge.source], layout.boxes[edge.target]
        if dst.depth <= src.depth or edge.source == edge.target:
            continue
        bends = layout.bends.get(index, [])
        leaving.setdefault(edge.source, []).append(((bends[0][0] if bends else dst.x), index))
        entering.setdefault(edge.target, []).append(((bends[-1][0] if bends else src.x), index))
    out: dict[int, tuple[float, float]] = {}
    for side, groups in ((0, leaving), (1, entering)):
        for name, items in groups.items():
            box = layout.boxes[name]
            items.sort()
            step = min(SPREAD_STEP, box.width * 0.8 / max(len(items), 1))
            for k, (_, index) in enumerate(items):
                offset = (k - (len(items) - 1) / 2) * step
                start, end = out.get(index, (0.0, 0.0))
                out[index] = (offset, end) if side == 0 else (start, offset)
    return out


def _draw_node(ax: Any, node: Node, box: _Box, unreachable: bool) -> None:
    fill, border = COLOURS[node.kind]
    alpha = UNREACHABLE_ALPHA if unreachable else 1.0
    left, bottom = box.x - box.width / 2, box.y - NODE_HEIGHT / 2
    style = "round,pad=0.02,rounding_size=0.08"
    ax.add_patch(FancyBboxPatch((left, bottom), box.width, NODE_HEIGHT, boxstyle=style, facecolor=fill,
                                edgecolor=border, linewidth=2.2 if node.start else 1.2, alpha=alpha,
                                linestyle="--" if node.kind == "missing" else "-", zorder=3))
    if node.end:  # a second border, like the double circle of a final state
        inset = 0.05
        ax.add_patch(FancyBboxPatch((left + inset, bottom + inset), box.width - 2 * inset,
                                    NODE_HEIGHT - 2 * inset, boxstyle=style, facecolor="none",
                                    edgecolor=border, linewidth=1.0, alpha=alpha, zorder=4))
    lines = _node_lines(node)
    ax.text(box.x, box.y + (0.08 if len(lines) > 1 else 0), lines[0], ha="center", va="center",
            fontsize=NODE_FONT, fontweight="bold", color=border, alpha=max(alpha, 0.7), zorder=5)
    if len(lines) > 1:
        ax.text(box.x, box.y - 0.12, lines[1], ha="center", va="center", fontsize=LABEL_FONT,
                color=border, alpha=max(alpha, 0.7), zorder=5)
    if node.start:
        top = box.y + NODE_HEIGHT / 2
        ax.add_patch(Circle((box.x, top + 0.32), 0.07, color="black", zorder=5))
        ax.add_patch(FancyArrowPatch((box.x, top + 0.25), (box.x, top + 0.02), arrowstyle="-|>",
                                     mutation_scale=12, color="black", zorder=5))


def _draw_edge(
    ax: Any, edge: Edge, layout: _Layout, spread: tuple[float, float], bends: list[tuple[float, float]],
    placed: list[tuple[float, float, float, float]],
) -> None:
    src, dst = layout.boxes[edge.source], layout.boxes[edge.target]
    half = NODE_HEIGHT / 2
    label_at: tuple[float, float]
    if edge.source != edge.target and dst.depth > src.depth:
        points = [(src.x + spread[0], src.y - half), *bends, (dst.x + spread[1], dst.y + half)]
        codes = [MplPath.MOVETO] + [MplPath.LINETO] * (len(points) - 1)
        arrow = FancyArrowPatch(path=MplPath(points, codes), shrinkA=0, shrinkB=1)
        (x1, y1), (x2, y2) = points[0], points[1]
        label_at = ((x1 + x2) / 2, (y1 + y2) / 2)
    else:
        if edge.source == edge.target:
            start = (src.x + src.width / 2, src.y + 0.1)
            end = (src.x + src.width / 2, src.y - 0.1)
            rad = -2.2
        else:  # back up to an earlier row (or along the row): round the side of the boxes
            right = dst.x >= src.x
            start = (src.x + (src.width / 2 if right else -src.width / 2), src.y)
            end = (dst.x + (dst.width / 2 if right else -dst.width / 2), dst.y)
            rad = 0.35 if right else -0.35  # bulge outwards, away from the boxes in between
            if dst.depth == src.depth:
                start, end = (src.x, src.y + half), (dst.x, dst.y + half)
                rad = -0.4 if right else 0.4
        arrow = FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={rad}", shrinkA=2, shrinkB=2)
        label_at = _label_point(start, end, rad, edge.source == edge.target)
    arrow.set(arrowstyle="-|>", mutation_scale=11, color=EDGE_COLOUR, linewidth=0.9, zorder=2)
    ax.add_patch(arrow)
    if edge.label:
        x, y = _free_spot(*label_at, edge.label, placed)
        ax.text(x, y, edge.label, ha="center", va="center", fontsize=LABEL_FONT, color="#202124", zorder=6,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "#dadce0",
                      "alpha": 0.92})


def _label_point(start: tuple[float, float], end: tuple[float, float], rad: float, loop: bool) -> tuple[float, float]:
    """The middle of matplotlib's arc3 curve (a quadratic Bézier through its control point)."""
    (x1, y1), (x2, y2) = start, end
    if loop:
        return x1 + 0.55, (y1 + y2) / 2
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    cx, cy = mx + rad * (y2 - y1), my - rad * (x2 - x1)
    return (mx + cx) / 2, (my + cy) / 2


def _free_spot(x: float, y: float, text: str, placed: list[tuple[float, float, float, float]]) -> tuple[float, float]:
    """Nudge a label up or down until it overlaps no label placed before it."""
    lines = text.split("\n")
    width, height = max(_text_width(t) for t in lines) + 0.1, 0.16 * len(lines) + 0.04
    for step in (0, 1, -1, 2, -2, 3, -3):
        cy = y + step * (height + 0.02)
        box = (x - width / 2, cy - height / 2, x + width / 2, cy + height / 2)
        if not any(box[0] < p[2] and p[0] < box[2] and box[1] < p[3] and p[1] < box[3] for p in placed):
            placed.append(box)
            return x, cy
    placed.append((x - width / 2, y - height / 2, x + width / 2, y + height / 2))
    return x, y


LEGEND = (("state", "waits for the patient"), ("auto", "moves on (next)"), ("questionnaire", "questionnaire"),
          ("exercise", "exercise"), ("missing", "missing state"))
LEGEND_END = "double border: the conversation ends"


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH * LABEL_FONT / NODE_FONT


def _legend_width() -> float:
    return sum(0.7 + _text_width(text) for _, text in LEGEND) + _text_width(LEGEND_END)


def _legend(ax: Any) -> None:
    y = MARGIN / 2 + 0.1
    x = MARGIN
    for kind, text in LEGEND:
        fill, border = COLOURS[kind]
        ax.add_patch(FancyBboxPatch((x, y - 0.08), 0.25, 0.16, boxstyle="round,pad=0.01", facecolor=fill,
                                    edgecolor=border, linewidth=1))
        ax.text(x + 0.32, y, text, va="center", fontsize=LABEL_FONT, color="#3c4043")
        x += 0.7 + _text_width(text)
    ax.text(x, y, LEGEND_END, va="center", fontsize=LABEL_FONT, color="#3c4043")
