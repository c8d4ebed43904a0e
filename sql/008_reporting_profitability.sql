-- Project profitability per period for BI tools: hours as numeric hours, money in currency units.

CREATE OR REPLACE VIEW reporting.project_profitability AS
SELECT p.workspace_id,
       p.resolution,
       p.period_start,
       CASE p.resolution
            WHEN 'week'  THEN p.period_start + 6
            WHEN 'month' THEN (p.period_start + interval '1 month' - interval '1 day')::date
            ELSE p.period_start
       END                                                          AS period_end,
       upper(p.currency)                                            AS currency,
       coalesce(p.project_id, named.project_id)                     AS project_id,
       CASE WHEN p.project_name = '' THEN '(no project)' ELSE p.project_name END AS project_name,
       nullif(p.client_name, '')                                    AS client_name,
       round(p.total_seconds::numeric / 3600, 6)                    AS hours,
       round(p.billable_seconds::numeric / 3600, 6)                 AS billable_hours,
       (p.earnings_in_cents::numeric / 100)::numeric(18, 2)         AS earnings,
       (p.labour_cost_in_cents::numeric / 100)::numeric(18, 2)      AS labour_cost,
       (p.profit_in_cents::numeric / 100)::numeric(18, 2)           AS profit,
       CASE WHEN p.earnings_in_cents <> 0
            THEN round(p.profit_in_cents::numeric / p.earnings_in_cents, 4)
       END                                                          AS margin,
       p.extra,
       p.loaded_at
  FROM toggl.profitability_projects p
  LEFT JOIN LATERAL (
        -- The export may not carry project ids: take the id of the one known project with that name and client.
        SELECT min(pr.project_id) AS project_id
          FROM toggl.projects pr
          LEFT JOIN toggl.clients c ON c.client_id = pr.client_id
         WHERE p.project_id IS NULL
           AND p.project_name <> ''
           AND pr.name = p.project_name
           AND coalesce(c.name, '') = p.client_name
        HAVING count(*) = 1
       ) named ON true;
COMMENT ON VIEW reporting.project_profitability IS 'Project profitability per period from the profitability export: hours, earnings, labour cost, profit and margin, money in currency units. Filter on resolution and currency: the same time appears once per resolution and currency loaded.';
COMMENT ON COLUMN reporting.project_profitability.workspace_id IS 'Toggl workspace id.';
COMMENT ON COLUMN reporting.project_profitability.resolution IS 'Period size: day, week (Monday to Sunday) or month.';
COMMENT ON COLUMN reporting.project_profitability.period_start IS 'First date of the period.';
COMMENT ON COLUMN reporting.project_profitability.period_end IS 'Last date of the period (the current period holds only the days loaded so far).';
COMMENT ON COLUMN reporting.project_profitability.currency IS 'Currency of the money columns, upper case (what the export was requested in).';
COMMENT ON COLUMN reporting.project_profitability.project_id IS 'Toggl project id: from the export, else the only project with this name and client in toggl.projects; NULL when unknown.';
COMMENT ON COLUMN reporting.project_profitability.project_name IS 'Project name, or (no project) for time without project.';
COMMENT ON COLUMN reporting.project_profitability.client_name IS 'Client name; NULL for projects without client.';
COMMENT ON COLUMN reporting.project_profitability.hours IS 'Tracked hours in the period.';
COMMENT ON COLUMN reporting.project_profitability.billable_hours IS 'Billable hours in the period.';
COMMENT ON COLUMN reporting.project_profitability.earnings IS 'Earnings (billable amount) in currency units.';
COMMENT ON COLUMN reporting.project_profitability.labour_cost IS 'Labour cost in currency units.';
COMMENT ON COLUMN reporting.project_profitability.profit IS 'Profit in currency units (earnings minus labour cost unless the export states it).';
COMMENT ON COLUMN reporting.project_profitability.margin IS 'Profit as a fraction of earnings (0.25 = 25 %); NULL when earnings are 0.';
COMMENT ON COLUMN reporting.project_profitability.extra IS 'Export columns the parser did not recognise, by their header, as received.';
COMMENT ON COLUMN reporting.project_profitability.loaded_at IS 'When this row was last inserted or changed by a load.';
