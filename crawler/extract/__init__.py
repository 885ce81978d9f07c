"""Generic extraction, one module per stage: html (decode, parse once), index (one pass), body,
dates, metadata, images, lang.

No Scrapy imports here: every function takes an lxml tree or strings and returns plain values.
"""
