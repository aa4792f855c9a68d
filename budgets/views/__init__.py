"""Budgets' pages, by concern: each module holds the views of one part of the cycle."""
