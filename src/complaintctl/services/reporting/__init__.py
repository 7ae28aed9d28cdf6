"""Reporting use cases: ``reports`` (the supervisor reports, one function each, figures by
SQL), ``rootcause`` (root-cause coding and rectification actions), ``monitor`` (the
supervisor's one screen: open, late, due soon, spiking) and ``explain`` (``due`` and
``urgency``: how a deadline was computed, how urgent a complaint is). Import the module you
need; nothing is loaded here.
"""
