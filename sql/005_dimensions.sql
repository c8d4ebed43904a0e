-- Dimension tables upserted from the dictionaries of report responses (never deleted: a dictionary
-- only lists what a report references).

CREATE TABLE IF NOT EXISTS toggl.clients (
    client_id      bigint      PRIMARY KEY,
    name           text,
    attributes     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE toggl.clients IS 'Toggl clients seen in report dictionaries.';
COMMENT ON COLUMN toggl.clients.client_id IS 'Toggl id.';
COMMENT ON COLUMN toggl.clients.name IS 'Client name.';
COMMENT ON COLUMN toggl.clients.attributes IS 'The dictionary entry as received, with fields not given their own column.';
COMMENT ON COLUMN toggl.clients.loaded_at IS 'When this row was last inserted or changed by a load.';

CREATE TABLE IF NOT EXISTS toggl.projects (
    project_id     bigint      PRIMARY KEY,
    name           text,
    client_id      bigint,
    color          text,
    billable       boolean,
    active         boolean,
    currency       text,
    attributes     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE toggl.projects IS 'Toggl projects seen in report dictionaries.';
COMMENT ON COLUMN toggl.projects.project_id IS 'Toggl id.';
COMMENT ON COLUMN toggl.projects.name IS 'Project name.';
COMMENT ON COLUMN toggl.projects.client_id IS 'Client of the project; NULL without client.';
COMMENT ON COLUMN toggl.projects.color IS 'Project colour.';
COMMENT ON COLUMN toggl.projects.billable IS 'Whether the project is billable by default.';
COMMENT ON COLUMN toggl.projects.active IS 'Whether the project is active.';
COMMENT ON COLUMN toggl.projects.currency IS 'Currency of the project rates.';
COMMENT ON COLUMN toggl.projects.attributes IS 'The dictionary entry as received, with fields not given their own column.';
COMMENT ON COLUMN toggl.projects.loaded_at IS 'When this row was last inserted or changed by a load.';

CREATE TABLE IF NOT EXISTS toggl.tags (
    tag_id         bigint      PRIMARY KEY,
    name           text,
    attributes     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE toggl.tags IS 'Toggl tags seen in report dictionaries.';
COMMENT ON COLUMN toggl.tags.tag_id IS 'Toggl id.';
COMMENT ON COLUMN toggl.tags.name IS 'Tag name.';
COMMENT ON COLUMN toggl.tags.attributes IS 'The dictionary entry as received, with fields not given their own column.';
COMMENT ON COLUMN toggl.tags.loaded_at IS 'When this row was last inserted or changed by a load.';

CREATE TABLE IF NOT EXISTS toggl.tasks (
    task_id        bigint      PRIMARY KEY,
    name           text,
    project_id     bigint,
    attributes     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE toggl.tasks IS 'Toggl tasks seen in report dictionaries.';
COMMENT ON COLUMN toggl.tasks.task_id IS 'Toggl id.';
COMMENT ON COLUMN toggl.tasks.name IS 'Task name.';
COMMENT ON COLUMN toggl.tasks.project_id IS 'Project of the task.';
COMMENT ON COLUMN toggl.tasks.attributes IS 'The dictionary entry as received, with fields not given their own column.';
COMMENT ON COLUMN toggl.tasks.loaded_at IS 'When this row was last inserted or changed by a load.';

CREATE TABLE IF NOT EXISTS toggl.users (
    user_id        bigint      PRIMARY KEY,
    name           text,
    email          text,
    attributes     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE toggl.users IS 'Toggl users seen in report dictionaries.';
COMMENT ON COLUMN toggl.users.user_id IS 'Toggl id.';
COMMENT ON COLUMN toggl.users.name IS 'User full name.';
COMMENT ON COLUMN toggl.users.email IS 'User email.';
COMMENT ON COLUMN toggl.users.attributes IS 'The dictionary entry as received, with fields not given their own column.';
COMMENT ON COLUMN toggl.users.loaded_at IS 'When this row was last inserted or changed by a load.';

CREATE TABLE IF NOT EXISTS toggl.user_groups (
    user_group_id  bigint      PRIMARY KEY,
    name           text,
    attributes     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE toggl.user_groups IS 'Toggl user groups seen in report dictionaries.';
COMMENT ON COLUMN toggl.user_groups.user_group_id IS 'Toggl id.';
COMMENT ON COLUMN toggl.user_groups.name IS 'Group name.';
COMMENT ON COLUMN toggl.user_groups.attributes IS 'The dictionary entry as received, with fields not given their own column.';
COMMENT ON COLUMN toggl.user_groups.loaded_at IS 'When this row was last inserted or changed by a load.';
