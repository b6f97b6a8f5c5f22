"""Analysis: standardisation, classes, reliability and the five-domain vulnerability scores.

Throughout this package a higher standardised value, domain score or vulnerability means
*more vulnerable*; rank 1 is the most vulnerable area of the set ranked.
"""
