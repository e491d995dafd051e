"""Staff authentication and authorisation: the access rules every view goes through (access),
passwords, server-side staff sessions, and the sign-in and account pages (views, whose blueprint
lives in that module: this package is imported by nearly everything for its access rules, and
attaching the pages here would import them, and what they import, into every one of those)."""
