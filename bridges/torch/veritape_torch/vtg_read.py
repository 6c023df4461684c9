"""Reading the .vtg text veritape prints (spec::print_vtg) into a plain graph
for the worker: arguments, nodes with attributes, outputs."""
import re

_TOKEN = re.compile(r"\s*(?:(#[^\n]*)|(%[A-Za-z0-9_.\-]+)|(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|-?inf|nan)"
                    r"|([A-Za-z_][A-Za-z0-9_]*)|(\[|\]|\(|\)|\{|\}|,|=|:))")


class VtgError(Exception):
    pass


def _tokens(text):
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise VtgError(f"unexpected text at offset {pos}: {text[pos:pos + 20]!r}")
        pos = m.end()
        comment, value, number, word, punct = m.groups()
        if comment:
            continue
        if value:
            out.append(("value", value[1:]))
        elif number is not None:
            out.append(("number", number))
        elif word:
            out.append(("word", word))
        elif punct:
            out.append(("punct", punct))
    return out


class _Parser:
    def __init__(self, text):
        self.t, self.i = _tokens(text), 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else ("end", "")

    def take(self, kind=None, text=None):
        tok = self.peek()
        if (kind and tok[0] != kind) or (text and tok[1] != text):
            raise VtgError(f"expected {text or kind}, found {tok[1]!r}")
        self.i += 1
        return tok[1]

    def type_(self):
        dtype = self.take("word")
        self.take("punct", "[")
        shape = []
        while self.peek()[1] != "]":
            shape.append(int(self.take("number")))
            if self.peek()[1] == ",":
                self.take()
        self.take("punct", "]")
        return dtype, shape

    def attr_value(self):
        kind, text = self.peek()
        if text == "[":
            self.take()
            items = []
            while self.peek()[1] != "]":
                items.append(self.attr_value())
                if self.peek()[1] == ",":
                    self.take()
            self.take()
            return items
        self.take()
        if kind == "number":
            return float(text) if any(c in text for c in ".eEn") else int(text)
        if text in ("true", "false"):
            return text == "true"
        return text  # an identifier (f32, tanh)

    def graph(self):
        self.take("word", "graph")
        g = {"name": self.take("word"), "args": [], "nodes": [], "outputs": []}
        self.take("punct", "{")
        while self.peek()[1] != "}":
            kind, text = self.peek()
            if text in ("input", "param"):
                self.take()
                name = self.take("value")
                self.take("punct", ":")
                g["args"].append({"kind": text, "name": name, "type": self.type_()})
            elif text == "output":
                self.take()
                g["outputs"].append(self.take("value"))
                while self.peek()[1] == ",":
                    self.take()
                    g["outputs"].append(self.take("value"))
            elif kind == "value":
                name = self.take("value")
                self.take("punct", "=")
                op = self.take("word")
                self.take("punct", "(")
                inputs = []
                while self.peek()[1] != ")":
                    inputs.append(self.take("value"))
                    if self.peek()[1] == ",":
                        self.take()
                self.take("punct", ")")
                attrs = {}
                if self.peek()[1] == "{":
                    self.take()
                    while self.peek()[1] != "}":
                        key = self.take("word")
                        self.take("punct", "=")
                        attrs[key] = self.attr_value()
                        if self.peek()[1] == ",":
                            self.take()
                    self.take()
                self.take("punct", ":")
                g["nodes"].append({"name": name, "op": op, "inputs": inputs, "attrs": attrs, "type": self.type_()})
            else:
                raise VtgError(f"unexpected {text!r} in graph {g['name']}")
        self.take("punct", "}")
        return g


def parse(text):
    return _Parser(text).graph()
