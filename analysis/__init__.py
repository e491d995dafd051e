"""Pure statistics: pandas DataFrames in, frozen result dataclasses out.

Never imports flask, sqlalchemy, monitor, surveys or reports, so it runs in a notebook or on a
CSV as well as inside the app.
"""
