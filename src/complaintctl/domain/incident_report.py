"""The incident report a regulator expects (DOMAIN.md): the elements it is made of, in order.
Pure data: ``services.emergency.incident_report`` fills them and names the missing ones,
``present.incident_views`` lays them out."""

#: the report's elements, in order; every one is required
ELEMENTS = ("organisation", "place", "time", "cause", "nature", "level", "amount", "people",
            "harm_scope", "customer_reaction", "trend", "measures_taken", "measures_planned",
            "reporter", "report_times")
