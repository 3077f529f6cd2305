#!/usr/bin/env python3
"""A product CSV for the browser tests when ../shared/tools/gen_products.py (the reference) is not
beside the clone: ROWS rows with quoted commas, quotes and newlines, non-ASCII names, and about 3%
SKUs repeated in another casing (updates).

    browser/products_csv.py ROWS OUT.csv
"""
import csv, random, sys

rows, out = int(sys.argv[1]), sys.argv[2]
words = ["lamp", "chair", "table", "Café", "naïve", "Straße", "garden", "steel", "paper", "north", "offer", "日本", "quick"]
rng = random.Random(18)
with open(out, "w", newline="", encoding="utf-8") as file:
    writer = csv.writer(file)
    writer.writerow(["sku", "name", "description"])
    for index in range(rows):
        number = rng.randrange(index + 1) if index and rng.random() < 0.03 else index
        sku = f"{rng.choice(words[:3])}-{number:07d}"
        sku = sku.upper() if number != index else sku
        name = " ".join(rng.choice(words) for _ in range(3)).title()
        description = rng.choice(['Has "quotes", and commas', "Two\nlines", "Plain text"]) + f" #{index}"
        writer.writerow([sku, name, description])
