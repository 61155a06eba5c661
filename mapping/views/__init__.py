"""Thin views: parse input, call one read, render."""
