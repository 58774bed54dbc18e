# One image for every service: `python -m services.<name>` picks the process.
FROM python:3.11-slim AS services
ENV PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH \
    UV_COMPILE_BYTECODE=1
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY shared ./shared
COPY services ./services
COPY praktik_cli ./praktik_cli
# The CLI's `praktik demo` reads the bus with devkit.bus; the services never import devkit.
COPY devkit ./devkit
COPY infra ./infra
RUN uv sync --frozen --no-dev

# The SMTP catcher and the 46elks fake (docker-compose's `mail-and-sms`): the services'
# image plus aiosmtpd, a development dependency only (`[dependency-groups] devservers`).
FROM services AS devservers
RUN uv sync --frozen --no-dev --group devservers

# The default target: the services' image.
FROM services
