#!/usr/bin/env python3
"""Screenshots of the real binary: `logbraid --demo` in tmux, captured with its colours
(`tmux capture-pane -e`) and drawn into PNGs with Pillow.

Run from the repository root:  python3 screenshots/make.py
Needs: tmux, Pillow (`pip install pillow`), DejaVu Sans Mono (Debian: fonts-dejavu-core),
and a release build (`cargo build --release`, done here if missing).
"""

import os
import re
import subprocess
import sys
import time

from PIL import Image, ImageDraw, ImageFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "logbraid")
OUT = os.path.join(ROOT, "screenshots")
FONTS = "/usr/share/fonts/truetype/dejavu/"
COLS, ROWS = 150, 42
SOCKET = f"logbraid-shots-{os.getpid()}"

# xterm's default palette for the 16 basic colours.
BASIC = [
    (0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188),
    (17, 168, 205), (229, 229, 229), (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
    (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]
FG, BG = (212, 212, 212), (24, 24, 27)


def xterm256(n):
    if n < 16:
        return BASIC[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    level = 8 + (n - 232) * 10
    return (level, level, level)


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCKET, *args], check=True, capture_output=True, text=True).stdout


def parse(captured):
    """Cells of each row: (char, fg, bg, bold, dim) from text with SGR escapes."""
    rows = []
    for line in captured.split("\n")[:ROWS]:
        fg, bg, bold, dim, reverse = None, None, False, False, False
        cells = []
        for token in re.split(r"(\x1b\[[0-9;:]*m)", line):
            if token.startswith("\x1b["):
                params = [int(p) if p else 0 for p in re.split("[;:]", token[2:-1])] or [0]
                i = 0
                while i < len(params):
                    p = params[i]
                    if p == 0:
                        fg, bg, bold, dim, reverse = None, None, False, False, False
                    elif p == 1:
                        bold = True
                    elif p == 2:
                        dim = True
                    elif p == 7:
                        reverse = True
                    elif p in (22,):
                        bold = dim = False
                    elif p == 27:
                        reverse = False
                    elif 30 <= p <= 37:
                        fg = BASIC[p - 30]
                    elif 90 <= p <= 97:
                        fg = BASIC[p - 90 + 8]
                    elif 40 <= p <= 47:
                        bg = BASIC[p - 40]
                    elif 100 <= p <= 107:
                        bg = BASIC[p - 100 + 8]
                    elif p == 39:
                        fg = None
                    elif p == 49:
                        bg = None
                    elif p in (38, 48) and i + 1 < len(params):
                        if params[i + 1] == 5 and i + 2 < len(params):
                            color = xterm256(params[i + 2])
                            i += 2
                        elif params[i + 1] == 2 and i + 4 < len(params):
                            color = tuple(params[i + 2:i + 5])
                            i += 4
                        else:
                            color = None
                        if p == 38:
                            fg = color
                        else:
                            bg = color
                    i += 1
                continue
            for ch in token:
                f, b = fg or FG, bg or BG
                if reverse:
                    f, b = b, f
                if dim:
                    f = tuple(int(c * 0.55 + BG[i] * 0.45) for i, c in enumerate(f))
                cells.append((ch, f, b, bold))
        rows.append(cells)
    return rows


def render(captured, path):
    regular = ImageFont.truetype(FONTS + "DejaVuSansMono.ttf", 15)
    bold = ImageFont.truetype(FONTS + "DejaVuSansMono-Bold.ttf", 15)
    cw = round(regular.getlength("M"))
    ch = 19
    pad = 12
    image = Image.new("RGB", (COLS * cw + 2 * pad, ROWS * ch + 2 * pad), BG)
    draw = ImageDraw.Draw(image)
    for y, cells in enumerate(parse(captured)):
        for x, (char, fg, bg, is_bold) in enumerate(cells[:COLS]):
            left, top = pad + x * cw, pad + y * ch
            if bg != BG:
                draw.rectangle([left, top, left + cw - 1, top + ch - 1], fill=bg)
            if char in "─│┌┐└┘":
                # Box drawing by hand, so borders join whatever the font's metrics.
                mid_x, mid_y = left + cw // 2, top + ch // 2
                if char in "─┌└":
                    draw.line([mid_x if char != "─" else left, mid_y, left + cw, mid_y], fill=fg)
                if char in "─┐┘":
                    draw.line([left, mid_y, mid_x if char != "─" else left + cw, mid_y], fill=fg)
                if char in "│┌┐":
                    draw.line([mid_x, mid_y if char != "│" else top, mid_x, top + ch], fill=fg)
                if char in "│└┘":
                    draw.line([mid_x, top, mid_x, mid_y if char != "│" else top + ch], fill=fg)
            elif char != " ":
                draw.text((left, top + 1), char, font=bold if is_bold else regular, fill=fg)
    image.save(path)
    print("wrote", os.path.relpath(path, ROOT))


def wait_for(text, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in tmux("capture-pane", "-p", "-t", "0"):
            return
        time.sleep(0.1)
    sys.exit(f"timed out waiting for {text!r}")


def shot(name, keys=(), wait=None, settle=1.5):
    for key in keys:
        tmux("send-keys", "-t", "0", *key)
        time.sleep(0.3)
    if wait:
        wait_for(wait)
    time.sleep(settle)
    render(tmux("capture-pane", "-e", "-p", "-t", "0"), os.path.join(OUT, name))


def main():
    if not os.path.exists(BIN):
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    tmux("new-session", "-d", "-x", str(COLS), "-y", str(ROWS), f"TERM=xterm-256color {BIN} --demo")
    try:
        wait_for("? help")
        time.sleep(4)
        shot("merged-and-sources.png")
        shot("paused-source.png", keys=[["3"], ["p"]], wait="PAUSED", settle=3)
        shot("filter.png", keys=[["p"], ["0"], ["f"], ["-l", "ERROR|WARN|slow"], ["Enter"]], wait="+/ERROR")
        shot("query.png", keys=[["f"], ["C-u"], ["Enter"], ["&"], ["-l", "level >= warn or duration_ms > 900"], ["Enter"]], wait="&level")
        shot("detail.png", keys=[["&"], ["C-u"], ["Enter"], ["v"], ["v"], ["v"], ["2"], ["E"], ["Enter"]], wait="source ", settle=1)
        shot("help.png", keys=[["Escape"], ["v"], ["0"], ["?"]], wait="logbraid keys", settle=0.5)
        tmux("send-keys", "-t", "0", "q")
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)


if __name__ == "__main__":
    main()
