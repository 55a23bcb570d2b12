# The coachbot service image (the Rasa server uses the official rasa/rasa image instead).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
RUN pip install --no-cache-dir .
COPY dialogues ./dialogues
COPY content ./content
ENV COACHBOT_DIALOGUES_DIR=/app/dialogues \
    COACHBOT_CONTENT_DIR=/app/content \
    COACHBOT_DATA_DIR=/data
VOLUME ["/data"]
CMD ["coachbot", "run"]
