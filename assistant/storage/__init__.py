"""Shared state: feedback, interview sessions and conversations, in one database
(SQLAlchemy 2, migrations with Alembic): SQLite in the data dir by default, PostgreSQL
when `MLINFRA_DATABASE_URL` says so. The API, the Streamlit app and the CLI use the same
stores: `feedback.FeedbackStore`, `records.SessionStore`, `records.ConversationStore`.
"""
