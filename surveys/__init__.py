"""Instruments and answers: survey definitions, versions, expressions, XLSForm, respondents."""
