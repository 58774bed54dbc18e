"""`praktik demo`: one season of one county (Halland) played against the running system.

Everything goes through the services' HTTP APIs, as the coordinators' and administrators'
tools would use them; the demo reads the bus (as an outside municipal system may) only to
learn what happened: proposals with their acceptance links, certifications, deliveries.

The season: workplaces with managers and supervisors register; managers attend a
breakfast meeting and supervisors a base course (attendance → certification); the
workplaces offer summer jobs, prao weeks and work trials; summer youths and prao
students apply (minors with guardians, who give consent now, later, or never); each
municipality runs a summer and a prao round; work trials are matched as they come;
workplaces accept through their links, a few decline, some participants decline, and the
requests are matched again. Then a plain report.

`Season` (`season.py`) is also what the end-to-end tests drive, with a smaller plan. The
modules: `plan` (what to play, against which system), `people` and `records` (the
synthetic people and what the season registered), `season` (the season's state, its HTTP
calls and waiting for the services), the phases `registering`, `training`, `applying` and
`answering`, `buslog` (the bus as the demo reads it), `report`, and `command` (`praktik
demo`).
"""
