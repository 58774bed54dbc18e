-- One login role and one schema per service; a role reaches its own schema only.
-- Run as the superuser against database `praktik` (scripts/stack, the test fixtures
-- with testcontainers, and docker-compose's initdb all run this same file). Idempotent.
-- Passwords equal role names: for development and tests only.
DO $$
DECLARE
  service text;
BEGIN
  FOREACH service IN ARRAY ARRAY['registration', 'matching', 'training', 'notifications'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service) THEN
      EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', service, service);
    END IF;
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service, service);
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', service, service);
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', service);
    EXECUTE format('ALTER ROLE %I SET search_path = %I', service, service);
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), service);
  END LOOP;
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
