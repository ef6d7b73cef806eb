"""Statistics stage: every number a report shows, computed once (see docs/methods.md).

`analyse.analyse_group` / `pooled.analyse_year` assemble the stats JSON documented in
docs/stats-json.md; `outcome.analyse_outcome` gives every statistic of one outcome of one
group and `trend` the change per cohort year, from `participation`, `descriptives`, `paired`, `reliable_change`,
`funnel`, the mixed models in `mixed` (fitting core `mixed_fit`, algebra `satterthwaite`) and
the headline change in `change`; `output` reads measurements and writes the files.
"""
