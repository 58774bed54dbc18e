-- One login role and one schema per service; a role reaches its own schema only.
-- Run as the superuser against database `praktik` (scripts/stack, the test fixtures
-- with testcontainers, and docker-compose's initdb all run this same file). Idempotent.
-- Plain SQL, no psql meta-commands: it runs as one simple-protocol `execute`.
-- Passwords equal role names: for development and tests only.
DO $$
DECLARE
  service text;
BEGIN
  FOREACH service IN ARRAY ARRAY['registration', 'matching', 'training', 'notifications'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I', service);
      EXCEPTION WHEN duplicate_object THEN
        NULL;  -- created by a concurrent run
      END;
    END IF;
    EXECUTE format(
      'ALTER ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS',
      service, service);
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service, service);
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', service, service);
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', service);
    EXECUTE format('ALTER ROLE %I SET search_path = %I', service, service);
  END LOOP;
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  FOREACH service IN ARRAY ARRAY['registration', 'matching', 'training', 'notifications'] LOOP
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), service);
  END LOOP;
END
$$;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
