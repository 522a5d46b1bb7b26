"""Services: the work behind every page and command, with the database sessions and transactions.

Below them the pure core (exam.grading, exam.questions, exam.banks, exam.hiring); above them the edges
(exam.web routers, exam.cli commands), which parse input, call one service function and render its result.
A service function that changes data owns its transaction (exam.db.transactional, or its own write scope).

accounts        users, login throttling, sessions, the audit log
bank_store      bank files <-> versioned questions and profiles in the database
workspace       the trainers' workspace: editor parsing, lists, previews, uploads and downloads
calibration     trying replies against a rubric; rubrics against replies trainers scored
openings        openings, invitations and their links, CSV invitations
papers          drawing a candidate's paper from the profile's blueprint
attempts        an attempt's clocks, answers (compare-and-set), submission
events          an attempt's integrity events (from the page and the server)
candidate_exam  taking the exam: the candidate's routes call only this
candidate_views what the candidate's pages show (public views only)
results         grading an attempt and storing section results and the hiring score
sweep           closing and grading abandoned attempts
ranking         an opening's ranking in SQL: filters, sorts, pages, ranks, percentiles
reports         the candidate report HR reads
review          overrides of reply marks, decisions, comparisons
data_rights     a candidate's data export and deletion, the retention purge
jobs            the background jobs, one explicit list
demo            `exam demo`: its steps, in order (demo_candidates builds the graded demo opening)
sample          self-contained HR sample data for tests and benchmarks
"""
