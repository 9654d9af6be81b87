-- The application's least-privileged PostgreSQL role (F30). Run by the database owner (the
-- role that runs the migrations) in the application database, with the custom settings
-- voicecast.app_user and voicecast.app_password set for the session (app-role.sh does it
-- through PGOPTIONS). Idempotent: run it after every migration; the default privileges also
-- cover the tables later migrations create.
--
-- The application role: LOGIN only (no superuser, CREATEDB, CREATEROLE, REPLICATION or
-- BYPASSRLS), reads and writes rows (SELECT, INSERT, UPDATE, DELETE; COPY FROM and TO STDIN
-- need no more) and temporary tables (the blocklist import), and nothing else: no DDL, no
-- TRUNCATE, no COPY to or from a server file or PROGRAM, no other database. The owner keeps
-- the schema; `make migrate` (Compose's migrate service) runs as the owner.
DO $role$
DECLARE
  app text := current_setting('voicecast.app_user');
  pw text := current_setting('voicecast.app_password');
  owner text := current_user;
BEGIN
  IF app = '' OR pw = '' THEN
    RAISE EXCEPTION 'set voicecast.app_user and voicecast.app_password';
  END IF;
  IF app = owner THEN
    RAISE EXCEPTION 'the application role must not be the owner (%)', owner;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app) THEN
    EXECUTE format('CREATE ROLE %I LOGIN', app);
  END IF;
  -- A superuser owner (Compose's) takes away whatever else the role was given; another owner
  -- may not name those attributes at all, and the check below refuses a role that has them.
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = owner) THEN
    EXECUTE format(
      'ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L', app, pw);
  ELSE
    EXECUTE format('ALTER ROLE %I WITH LOGIN PASSWORD %L', app, pw);
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app
             AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls)) THEN
    RAISE EXCEPTION 'role % has more than LOGIN (superuser, createdb, createrole, replication or bypassrls)', app;
  END IF;
  -- Only the owner and the application connect to this database.
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), app);
  REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', app);
  EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %I', app);
  EXECUTE format(
    'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', owner, app);
  EXECUTE format(
    'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', owner, app);
END
$role$;
