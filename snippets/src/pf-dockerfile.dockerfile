# pf-dockerfile: Multi-stage Node.js image: pinned base, npm ci, non-root user
FROM node:${1:20.18.1}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY src ./src

FROM node:${1:20.18.1}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app ./
USER node
EXPOSE ${2:3000}
CMD ["node", "src/server.js"]
