/// The published description of the HTTP API (OpenAPI 3.1), served at `/openapi.json`. Kept
/// in the repository as `docs/openapi.json` too; `OpenAPITests` checks that both agree and that
/// every served route is documented and every documented route is served.
public enum OpenAPIDocument {
    public static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "importer — product importer appliance",
    "version": "0.1.0",
    "description": "HTTP API of the importer appliance: the seed application's Celery endpoints, tasks and queues. Errors are {\"error\": {\"code\", \"message\"}}. With auth_token set, mutating routes need Authorization: Bearer <token> (auth_read: all routes but the health checks)."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:8000"
    }
  ],
  "paths": {
    "/health": {
      "get": {
        "summary": "Health of the appliance (the seed's)",
        "tags": [
          "system"
        ],
        "responses": {
          "200": {
            "description": "Healthy",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          },
          "503": {
            "description": "Unhealthy, with the reason",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/healthz": {
      "get": {
        "summary": "Health of the appliance",
        "tags": [
          "system"
        ],
        "responses": {
          "200": {
            "description": "Healthy",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          },
          "503": {
            "description": "Unhealthy, with the reason",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics",
        "tags": [
          "system"
        ],
        "responses": {
          "200": {
            "description": "Prometheus text format",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document",
        "tags": [
          "system"
        ],
        "responses": {
          "200": {
            "description": "OpenAPI 3.1",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/api/v1/celery/workers": {
      "get": {
        "summary": "Live workers: active tasks, stats, registered tasks (the seed's)",
        "tags": [
          "celery"
        ],
        "responses": {
          "200": {
            "description": "Workers",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Workers"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/api/v1/celery/test": {
      "post": {
        "summary": "Submit the test task (the seed's)",
        "tags": [
          "celery"
        ],
        "responses": {
          "200": {
            "description": "Submitted",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TestSubmitted"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "bearer": []
          }
        ]
      }
    },
    "/api/v1/celery/task/{task_id}": {
      "get": {
        "summary": "Task status (the seed's shape)",
        "tags": [
          "celery"
        ],
        "responses": {
          "200": {
            "description": "Status",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CeleryStatus"
                }
              }
            }
          },
          "404": {
            "description": "Unknown or expired task",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "task_id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            },
            "description": "UUIDv7 task id"
          }
        ]
      },
      "delete": {
        "summary": "Revoke a task (the seed's)",
        "tags": [
          "celery"
        ],
        "responses": {
          "200": {
            "description": "Revoked, or noop for a finished task",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CeleryRevoke"
                }
              }
            }
          },
          "404": {
            "description": "Unknown or expired task",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "task_id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            },
            "description": "UUIDv7 task id"
          }
        ],
        "security": [
          {
            "bearer": []
          }
        ]
      }
    },
    "/api/v1/tasks": {
      "post": {
        "summary": "Submit a task by name",
        "tags": [
          "tasks"
        ],
        "responses": {
          "202": {
            "description": "Committed",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Submitted"
                }
              }
            }
          },
          "413": {
            "description": "Body or message too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "415": {
            "description": "Not JSON",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "Unknown task or invalid values",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "the same key within 24 h returns the same task id"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/TaskSubmission"
              }
            }
          }
        },
        "security": [
          {
            "bearer": []
          }
        ]
      },
      "get": {
        "summary": "List tasks, newest first",
        "tags": [
          "tasks"
        ],
        "responses": {
          "200": {
            "description": "Tasks",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TaskList"
                }
              }
            }
          },
          "422": {
            "description": "Invalid filter",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "state",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "PENDING",
                "STARTED",
                "PROGRESS",
                "RETRY",
                "SUCCESS",
                "FAILURE",
                "REVOKED"
              ]
            }
          },
          {
            "name": "name",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "queue",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000,
              "default": 20
            }
          },
          {
            "name": "offset",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "default": 0
            }
          }
        ]
      }
    },
    "/api/v1/tasks/{task_id}": {
      "get": {
        "summary": "One task: message, attempts with errors, timings, progress",
        "tags": [
          "tasks"
        ],
        "responses": {
          "200": {
            "description": "Task",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TaskDetail"
                }
              }
            }
          },
          "404": {
            "description": "Unknown or expired task",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "task_id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            },
            "description": "UUIDv7 task id"
          }
        ]
      }
    },
    "/api/v1/tasks/{task_id}/revoke": {
      "post": {
        "summary": "Revoke a task",
        "tags": [
          "tasks"
        ],
        "responses": {
          "200": {
            "description": "Revoked, revoke requested (running), or noop (finished)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RevokeResult"
                }
              }
            }
          },
          "404": {
            "description": "Unknown or expired task",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "task_id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            },
            "description": "UUIDv7 task id"
          }
        ],
        "security": [
          {
            "bearer": []
          }
        ]
      }
    },
    "/api/v1/queues": {
      "get": {
        "summary": "Counts per queue",
        "tags": [
          "queues"
        ],
        "responses": {
          "200": {
            "description": "Queues",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/QueueList"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/api/v1/queues/{name}/purge": {
      "post": {
        "summary": "Delete the waiting jobs of a queue",
        "tags": [
          "queues"
        ],
        "responses": {
          "200": {
            "description": "How many",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Purged"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Wrong method on a known path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong bearer token (when auth_token is set)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "security": [
          {
            "bearer": []
          }
        ]
      }
    }
  },
  "components": {
    "schemas": {
      "Error": {
        "type": "object",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "object",
            "required": [
              "code",
              "message"
            ],
            "properties": {
              "code": {
                "type": "string"
              },
              "message": {
                "type": "string"
              }
            }
          }
        }
      },
      "TaskError": {
        "type": [
          "object",
          "null"
        ],
        "properties": {
          "type": {
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "context": {}
        }
      },
      "TaskSubmission": {
        "type": "object",
        "required": [
          "name"
        ],
        "additionalProperties": false,
        "properties": {
          "name": {
            "type": "string",
            "description": "registered task name"
          },
          "args": {
            "type": "array"
          },
          "kwargs": {
            "type": "object"
          },
          "queue": {
            "type": "string"
          },
          "priority": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9,
            "default": 5
          },
          "countdown": {
            "type": "number",
            "minimum": 0
          },
          "eta": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "Submitted": {
        "type": "object",
        "required": [
          "task_id",
          "status"
        ],
        "properties": {
          "task_id": {
            "type": "string"
          },
          "status": {
            "const": "submitted"
          }
        }
      },
      "TestSubmitted": {
        "type": "object",
        "required": [
          "task_id",
          "status",
          "message"
        ],
        "properties": {
          "task_id": {
            "type": "string"
          },
          "status": {
            "const": "submitted"
          },
          "message": {
            "type": "string"
          }
        }
      },
      "TaskSummary": {
        "type": "object",
        "required": [
          "task_id",
          "name",
          "queue",
          "state",
          "priority",
          "enqueued_at"
        ],
        "properties": {
          "task_id": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "queue": {
            "type": "string"
          },
          "priority": {
            "type": "integer"
          },
          "state": {
            "type": "string",
            "enum": [
              "PENDING",
              "STARTED",
              "PROGRESS",
              "RETRY",
              "SUCCESS",
              "FAILURE",
              "REVOKED"
            ]
          },
          "enqueued_at": {
            "type": "string",
            "format": "date-time"
          },
          "run_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "date_done": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "retries": {
            "type": "integer"
          },
          "deliveries": {
            "type": "integer"
          },
          "worker": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "Attempt": {
        "type": "object",
        "properties": {
          "delivery": {
            "type": "integer"
          },
          "worker": {
            "type": "string"
          },
          "started_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "finished_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "outcome": {
            "type": [
              "string",
              "null"
            ],
            "enum": [
              "SUCCESS",
              "FAILURE",
              "RETRY",
              "REVOKED",
              "LOST",
              "RELEASED",
              null
            ]
          },
          "error": {
            "$ref": "#/components/schemas/TaskError"
          }
        }
      },
      "TaskDetail": {
        "allOf": [
          {
            "$ref": "#/components/schemas/TaskSummary"
          },
          {
            "type": "object",
            "properties": {
              "args": {
                "type": "array"
              },
              "kwargs": {
                "type": "object"
              },
              "started_at": {
                "type": [
                  "string",
                  "null"
                ],
                "format": "date-time"
              },
              "lease_until": {
                "type": [
                  "string",
                  "null"
                ],
                "format": "date-time"
              },
              "expires_at": {
                "type": [
                  "string",
                  "null"
                ],
                "format": "date-time"
              },
              "lost_deliveries": {
                "type": "integer"
              },
              "revoke_requested": {
                "type": "boolean"
              },
              "progress": {},
              "result": {},
              "error": {
                "$ref": "#/components/schemas/TaskError"
              },
              "attempts": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Attempt"
                }
              }
            }
          }
        ]
      },
      "TaskList": {
        "type": "object",
        "required": [
          "items",
          "total",
          "limit",
          "offset",
          "has_more"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/TaskSummary"
            }
          },
          "total": {
            "type": "integer"
          },
          "limit": {
            "type": "integer"
          },
          "offset": {
            "type": "integer"
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "RevokeResult": {
        "type": "object",
        "required": [
          "task_id",
          "state",
          "status"
        ],
        "properties": {
          "task_id": {
            "type": "string"
          },
          "state": {
            "type": "string"
          },
          "status": {
            "type": "string",
            "enum": [
              "revoked",
              "revoke_requested",
              "noop"
            ]
          }
        }
      },
      "CeleryStatus": {
        "type": "object",
        "required": [
          "task_id",
          "status",
          "result",
          "error"
        ],
        "properties": {
          "task_id": {
            "type": "string"
          },
          "status": {
            "type": "string"
          },
          "result": {
            "description": "the result on SUCCESS, the progress meta while PROGRESS, else null"
          },
          "error": {
            "type": [
              "string",
              "null"
            ]
          },
          "name": {
            "type": "string"
          },
          "queue": {
            "type": "string"
          },
          "retries": {
            "type": "integer"
          },
          "date_done": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "worker": {
            "type": [
              "string",
              "null"
            ]
          },
          "error_detail": {
            "$ref": "#/components/schemas/TaskError"
          }
        }
      },
      "CeleryRevoke": {
        "type": "object",
        "required": [
          "status",
          "message",
          "task_id",
          "state"
        ],
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "success",
              "noop"
            ]
          },
          "message": {
            "type": "string"
          },
          "task_id": {
            "type": "string"
          },
          "state": {
            "type": "string"
          }
        }
      },
      "Workers": {
        "type": "object",
        "required": [
          "status",
          "workers"
        ],
        "properties": {
          "status": {
            "const": "success"
          },
          "workers": {
            "type": "object",
            "required": [
              "active",
              "stats",
              "registered_tasks"
            ],
            "properties": {
              "active": {
                "type": "object",
                "additionalProperties": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "properties": {
                      "id": {
                        "type": "string"
                      },
                      "name": {
                        "type": "string"
                      },
                      "args": {
                        "type": "array"
                      },
                      "kwargs": {
                        "type": "object"
                      },
                      "time_start": {
                        "type": [
                          "number",
                          "null"
                        ]
                      },
                      "worker_pid": {
                        "type": [
                          "integer",
                          "null"
                        ]
                      }
                    }
                  }
                }
              },
              "stats": {
                "type": "object",
                "additionalProperties": {
                  "type": "object",
                  "properties": {
                    "pid": {
                      "type": "integer"
                    },
                    "hostname": {
                      "type": "string"
                    },
                    "uptime": {
                      "type": "integer"
                    },
                    "pools": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "properties": {
                          "queues": {
                            "type": "array",
                            "items": {
                              "type": "string"
                            }
                          },
                          "concurrency": {
                            "type": "integer"
                          }
                        }
                      }
                    },
                    "total": {
                      "type": "object",
                      "additionalProperties": {
                        "type": "integer"
                      }
                    },
                    "failed": {
                      "type": "object",
                      "additionalProperties": {
                        "type": "integer"
                      }
                    },
                    "prefetch_count": {
                      "type": "integer"
                    },
                    "broker": {
                      "type": "object",
                      "properties": {
                        "transport": {
                          "type": "string"
                        },
                        "path": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              },
              "registered_tasks": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              }
            }
          }
        }
      },
      "Health": {
        "type": "object",
        "required": [
          "status"
        ],
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "healthy",
              "unhealthy"
            ]
          },
          "database": {
            "type": "string"
          },
          "workers": {
            "type": "integer"
          },
          "uptime": {
            "type": "integer"
          },
          "reason": {
            "type": "string"
          }
        }
      },
      "Queue": {
        "type": "object",
        "required": [
          "name",
          "waiting",
          "delayed",
          "running",
          "retrying",
          "failed",
          "oldest_waiting_age"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "waiting": {
            "type": "integer"
          },
          "delayed": {
            "type": "integer"
          },
          "running": {
            "type": "integer"
          },
          "retrying": {
            "type": "integer"
          },
          "failed": {
            "type": "integer"
          },
          "oldest_waiting_age": {
            "type": [
              "number",
              "null"
            ],
            "description": "seconds"
          }
        }
      },
      "QueueList": {
        "type": "object",
        "required": [
          "items",
          "total",
          "limit",
          "offset",
          "has_more"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Queue"
            }
          },
          "total": {
            "type": "integer"
          },
          "limit": {
            "type": "integer"
          },
          "offset": {
            "type": "integer"
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "Purged": {
        "type": "object",
        "required": [
          "queue",
          "purged"
        ],
        "properties": {
          "queue": {
            "type": "string"
          },
          "purged": {
            "type": "integer"
          }
        }
      }
    },
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer"
      }
    }
  }
}
"""#
}
