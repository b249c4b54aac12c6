"""Real reports (`../shared/realdocs/`): how well askreport reads and answers over them.

What `../shared/realdocs/README.md` asks to report: title accuracy; printed-page accuracy of the
page labels given in `structure.json` and of the answering passage; heading precision and recall
where headings are given; hit@1 / hit@5 / MRR for singles, first turns and follow-ups; unanswerable
questions flagged and answerable ones wrongly flagged; reading speed (PDF pages per second, one
process, no sandbox). Also the two structure targets of issue 13: no section path deeper than 6 and
no number-only heading. Matching is the shared eval's plus Unicode NFKC.
"""
