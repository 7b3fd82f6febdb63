"""Views: the logic behind each curated notebook (frames and charts ready to show and save).

Notebooks hold the narrative and call these; a view function takes parameters (an organisation, a doc_id)
and returns polars frames and altair charts, so the same analysis runs from a notebook, a test or a script.
"""
