"""The candidate's exam: openings and invitations, papers, attempts, results and the abandoned-attempt sweep.

Pure core, thin edges: the functions here take a database session and explicit times; the web layer
(exam/web/candidate.py, exam/web/hr.py) only parses requests and renders templates.
"""
