"""Generic extraction, one module per stage: html (decode + parse once), body, dates, metadata, images.

No Scrapy imports here: every function takes an lxml tree or strings and returns plain values.
"""
