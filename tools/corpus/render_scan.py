"""Scanned renderings: a PDF the generator made, printed and scanned again. Each page is rasterised
at 150–200 dpi, turned by up to a degree, blurred, speckled, laid on grey paper and JPEG-compressed;
the images are wrapped into a PDF with no text layer."""

import io
import random

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter


def scan(pdf: bytes, rng: random.Random) -> bytes:
    dpi = rng.choice([150, 175, 200])
    angle = rng.uniform(-1.0, 1.0)
    blur = rng.uniform(0.3, 0.7)
    paper = rng.randint(215, 240)
    quality = rng.randint(55, 80)
    seed = rng.randrange(2**32)
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = [_page(doc[i], dpi, angle, blur, paper, quality, np.random.default_rng(seed + i))
                 for i in range(len(doc))]
    finally:
        doc.close()
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out.getvalue()


def _page(
    page, dpi: int, angle: float, blur: float, paper: int, quality: int, noise: np.random.Generator
) -> Image.Image:
    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    image = image.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(blur))
    ink = np.asarray(image, dtype=np.float32) / 255.0
    pixels = paper * ink + noise.normal(0, 4, ink.shape)  # white becomes the paper's grey, with grain
    dots = noise.random(ink.shape) < 0.0002  # speckle: dark dots of one or two pixels
    pixels[dots] = noise.uniform(40, 140, int(dots.sum()))
    pixels[np.roll(dots, 1, axis=1) & (noise.random(ink.shape) < 0.5)] = 90
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))
