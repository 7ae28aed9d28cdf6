"""The complaint emergency plan, as use cases: ``plans`` (the plan's versions), ``detection``
(the triggers run over new complaints and the spike test), ``incidents`` (declare, link,
update, escalate, close; the checklist), ``drills`` (scheduled and simulated drills) and
``incident_report`` (the report a regulator expects). Import the module you need; nothing is
loaded here.
"""
