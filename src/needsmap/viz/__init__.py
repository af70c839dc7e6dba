"""Visualisation: functions returning pydeck Decks and plotly Figures (never calling st.*)."""
