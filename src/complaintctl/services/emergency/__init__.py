"""The complaint emergency plan: the plan itself (``plans``), detection of mass and major
complaints (``detection``), incidents with their responsible people, timetable and checklist
(``incidents``), drills (``drills``) and the incident report (``incident_report``).
``handlers`` is internal: detection after every deadline check (subscribed by bootstrap)."""

__all__ = ["detection", "drills", "incident_report", "incidents", "plans"]
