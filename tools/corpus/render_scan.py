"""Scanned renderings: a PDF the generator made, printed and scanned again. Each page is rasterised
at 150–200 dpi, turned by up to a degree, blurred, speckled, laid on grey paper and JPEG-compressed;
the images are wrapped into a PDF with no text layer. Variants: the rules printed faint, and a
text PDF with some pages replaced by their scan (mixed)."""

import io
import random

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter


def scan(pdf: bytes, rng: random.Random, *, faint: bool = False) -> bytes:
    """The PDF printed and scanned; ``faint``: its ruling lines printed pale (a worn toner)."""
    dpi = rng.choice([150, 175, 200])
    angle = rng.uniform(-1.0, 1.0)
    blur = rng.uniform(0.3, 0.7)
    paper = rng.randint(215, 240)
    quality = rng.randint(55, 80)
    seed = rng.randrange(2**32)
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = [_page(doc[i], dpi, angle, blur, paper, quality, np.random.default_rng(seed + i), faint)
                 for i in range(len(doc))]
    finally:
        doc.close()
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out.getvalue()


def mixed(pdf: bytes, rng: random.Random, pages: list[int]) -> bytes:
    """The PDF with some of its pages (0-based) replaced by their scan: a text PDF with image-only
    pages, as when a scanned page is inserted into a Word PDF."""
    scanned = pdfium.PdfDocument(scan(pdf, rng))
    text = pdfium.PdfDocument(pdf)
    out = pdfium.PdfDocument.new()
    try:
        for i in range(len(text)):
            out.import_pages(scanned if i in pages else text, [i])
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    finally:
        out.close()
        text.close()
        scanned.close()


def _faint(image: Image.Image, dpi: int) -> Image.Image:
    """Long straight lines (the table's rules) turned pale grey; the text left as it is."""
    ink = np.asarray(image) < 128
    runs = np.zeros_like(ink)
    length = dpi // 3
    kernel = np.ones(length, dtype=int)
    for axis in (0, 1):  # a mark is part of a rule when a run of ink that long passes through it
        counts = np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), axis, ink.astype(int))
        runs |= counts >= length - 1
    pixels = np.asarray(image).copy()
    pixels[runs & ink] = 185
    return Image.fromarray(pixels)


def _page(page, dpi: int, angle: float, blur: float, paper: int, quality: int, noise: np.random.Generator,
          faint: bool = False) -> Image.Image:
    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    if faint:
        image = _faint(image, dpi)
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
