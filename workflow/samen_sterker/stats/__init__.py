"""Statistics stage: every number a report shows, computed once (see docs/methods.md).

`analyse.analyse_group` / `analyse.analyse_year` assemble the stats JSON documented in
docs/stats-json.md from `participation`, `descriptives`, `paired`, `reliable_change`,
`funnel`, the mixed models in `mixed` (fitting core `mixed_fit`, algebra `satterthwaite`) and
the headline change in `change`; `output` reads measurements and writes the files.
"""
