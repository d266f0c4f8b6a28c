"""Images the project draws itself for the demo: painted nails on a hand, and off-topic scenes.

Nothing here hints the AI: files get neutral names, no metadata, and the models see only pixels.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter

SKIN = [(241, 194, 167), (224, 172, 138), (198, 134, 99), (141, 85, 54), (255, 219, 190)]
POLISH = [(200, 16, 46), (230, 60, 140), (120, 20, 120), (20, 40, 160), (250, 120, 40), (30, 150, 120),
          (10, 10, 10), (250, 200, 210)]


def _jpeg(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def manicure(seed: int) -> bytes:
    """A hand seen from above, fingers up, each nail painted (optionally with a second-colour tip)."""
    rnd = random.Random(seed)
    w, h = 640, 640
    bg = tuple(rnd.randint(200, 250) for _ in range(3))
    image = Image.new("RGB", (w, h), bg)
    draw = ImageDraw.Draw(image)
    skin, polish = rnd.choice(SKIN), rnd.choice(POLISH)
    tip = rnd.choice(POLISH) if rnd.random() < 0.3 else None
    palm = (170, 330, 470, 620)
    draw.rounded_rectangle(palm, radius=90, fill=skin)
    fingers = [(180, 140, 240), (250, 90, 310), (320, 100, 380), (390, 160, 450)]
    for x0, top, x1 in fingers:
        top += rnd.randint(-15, 15)
        draw.rounded_rectangle((x0, top, x1, 420), radius=30, fill=skin)
        nail = (x0 + 9, top + 8, x1 - 9, top + 78)
        draw.rounded_rectangle(nail, radius=22, fill=polish)
        if tip:
            draw.rounded_rectangle((nail[0], nail[1], nail[2], nail[1] + 18), radius=10, fill=tip)
        draw.ellipse((nail[0] + 8, nail[1] + 10, nail[0] + 18, nail[1] + 30), fill=(255, 255, 255))  # gloss
    draw.rounded_rectangle((440, 400, 540, 470), radius=30, fill=skin)  # thumb
    draw.rounded_rectangle((490, 405, 535, 462), radius=16, fill=polish)
    return _jpeg(image.filter(ImageFilter.GaussianBlur(1.2)).rotate(rnd.uniform(-12, 12), fillcolor=bg))


def off_topic(seed: int) -> bytes:
    """A plate of food, a landscape or a mug: scenes a nail gallery should refuse."""
    rnd = random.Random(seed)
    w, h = 640, 480
    kind = seed % 3
    if kind == 0:  # a plate with food
        image = Image.new("RGB", (w, h), (120, 80, 50))
        draw = ImageDraw.Draw(image)
        draw.ellipse((120, 60, 520, 420), fill=(245, 245, 240))
        for _ in range(12):
            x, y = rnd.randint(200, 420), rnd.randint(140, 330)
            colour = rnd.choice([(200, 60, 30), (90, 160, 40), (230, 190, 60), (120, 60, 20)])
            draw.ellipse((x, y, x + rnd.randint(30, 60), y + rnd.randint(20, 50)), fill=colour)
    elif kind == 1:  # sky, hills and sun
        image = Image.new("RGB", (w, h), (110, 170, 230))
        draw = ImageDraw.Draw(image)
        draw.ellipse((480, 40, 560, 120), fill=(250, 220, 90))
        draw.polygon([(0, 330), (200, 220), (420, 320), (640, 240), (640, 480), (0, 480)], fill=(60, 130, 60))
    else:  # a mug on a table
        image = Image.new("RGB", (w, h), (200, 190, 170))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 330, w, h), fill=(110, 80, 60))
        draw.rounded_rectangle((250, 170, 390, 360), radius=20, fill=(40, 90, 150))
        draw.ellipse((370, 210, 440, 300), outline=(40, 90, 150), width=16)
    return _jpeg(image.filter(ImageFilter.GaussianBlur(1.0)))
