"""Class mode: a class session in which each student governs a border region.

- `sim.classmode.session`: `ClassSession`, the class's model and its baseline, the students,
  their decisions, the debrief and the session's folder; `replay` runs a saved class again;
- `sim.classmode.server`: the web server (Starlette) with the teacher's and the students' pages
  and their JSON API, safe by default (this machine only, a join code, a token per student);
- `sim.classmode.texts`: every word the pages show, through the message catalogues;
- `sim/classmode/pages/`: the pages' HTML, JavaScript and CSS.

`transfrontier class` starts a session (`sim.cli`). The region-level levers the students
decide are the model's own (`sim.policy.RegionLevers`, ODD S18).
"""
