/// The OpenAPI 3 description of every endpoint, served at `/openapi.json` and rendered at `/docs`.
///
/// Written by hand next to the routes it describes; a test checks real responses against it.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.0.3",
          "info": {
            "title": "Vigil",
            "version": "0.1.0",
            "description": "Anomaly detection for infrastructure metrics: the seed's model server (/predict) and ML service (/api/v1/ml/...) in one process. Errors are {success: false, error, code, field?}. With VIGIL_API_TOKEN set, /predict and /api/... need 'Authorization: Bearer <token>', and / and /dashboard (with /dashboard/alerts.json) take it too or as a Basic password."
          },
          "paths": {
            "/predict": {
              "post": {
                "summary": "Score one full feature vector (the model server's contract)",
                "security": [{"bearer": []}, {}],
                "description": "The body names every feature of the model in service (the seed's five by default). Scores only; raises no alert.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Vector"}}}},
                "responses": {
                  "200": {"description": "The score", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Result"}}}},
                  "400": {"$ref": "#/components/responses/Invalid"}, "401": {"$ref": "#/components/responses/Invalid"},
                  "413": {"$ref": "#/components/responses/Invalid"}, "415": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/ModelUnavailable"}
                }
              }
            },
            "/api/v1/ml/detect": {
              "post": {
                "summary": "Detect anomalies from one metric (the ML service's contract)",
                "security": [{"bearer": []}, {}],
                "description": "The metric updates its service's current feature vector (tags may carry other features); the vector is scored. Features the service has not sent within the staleness window are imputed with the training mean and listed in missing_features. An anomaly opens an alert, or counts on its service's open one when the service's previous anomaly came at most the cooldown (15 minutes by default) before; a more severe anomaly escalates the open alert.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Metric"}}}},
                "responses": {
                  "200": {"description": "The result", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DetectResponse"}}}},
                  "400": {"$ref": "#/components/responses/Invalid"}, "401": {"$ref": "#/components/responses/Invalid"},
                  "413": {"$ref": "#/components/responses/Invalid"}, "415": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/ModelUnavailable"}
                }
              }
            },
            "/api/v1/ml/detect/batch": {
              "post": {
                "summary": "Detect on up to 10,000 metrics or vectors",
                "security": [{"bearer": []}, {}],
                "description": "A JSON array, or NDJSON (Content-Type: application/x-ndjson). Items with a 'metric' field are metrics (as /api/v1/ml/detect); others are full vectors (as /predict). The whole batch is validated before any item is scored; results come in order.",
                "requestBody": {"required": true, "content": {
                  "application/json": {"schema": {"type": "array", "minItems": 1, "maxItems": 10000, "items": {"oneOf": [{"$ref": "#/components/schemas/Metric"}, {"$ref": "#/components/schemas/Vector"}]}}},
                  "application/x-ndjson": {"schema": {"type": "string"}}
                }},
                "responses": {
                  "200": {"description": "Results in order", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchResponse"}}}},
                  "400": {"$ref": "#/components/responses/Invalid"}, "401": {"$ref": "#/components/responses/Invalid"},
                  "413": {"$ref": "#/components/responses/Invalid"}, "415": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/ModelUnavailable"}
                }
              }
            },
            "/api/v1/ml/model-info": {
              "get": {
                "summary": "The model in service (the seed's model-server /metrics JSON lives here)",
                "security": [{"bearer": []}, {}],
                "responses": {
                  "200": {"description": "Model facts", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelInfoResponse"}}}},
                  "401": {"$ref": "#/components/responses/Invalid"}
                }
              }
            },
            "/api/v1/ml/model/reload": {
              "post": {
                "summary": "Reload the model bundle without downtime (as SIGHUP does)",
                "security": [{"bearer": []}, {}],
                "responses": {
                  "401": {"$ref": "#/components/responses/Invalid"},
                  "200": {"description": "The new model is in service", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelInfoResponse"}}}},
                  "422": {"$ref": "#/components/responses/Invalid"}
                }
              }
            },
            "/api/v1/ml/alerts": {
              "get": {
                "summary": "Stored alerts, newest first",
                "security": [{"bearer": []}, {}],
                "parameters": \#(alertListParameters),
                "responses": {
                  "200": {"description": "Alerts", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AlertsResponse"}}}},
                  "400": {"$ref": "#/components/responses/Invalid"}, "401": {"$ref": "#/components/responses/Invalid"}
                }
              }
            },
            "/health": {
              "get": {
                "summary": "Liveness, with the real state of the model and of every alert sink",
                "responses": {"200": {"description": "Alive", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}
              }
            },
            "/ready": {
              "get": {
                "summary": "Ready when a model is loaded and the alert store answers",
                "responses": {
                  "200": {"description": "Ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}},
                  "503": {"description": "Not ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}}
                }
              }
            },
            "/metrics": {
              "get": {
                "summary": "Prometheus text exposition",
                "responses": {"200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}}
              }
            },
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/docs": {"get": {"summary": "A readable API reference", "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
            "/dashboard": {
              "get": {
                "summary": "A status page for a browser: health, the model, the latest alerts (filtered and paged as /api/v1/ml/alerts); reloads itself every 15 s",
                "security": [{"bearer": []}, {"basic": []}, {}],
                "parameters": [
                  {"name": "service", "in": "query", "schema": {"type": "string"}},
                  {"name": "severity", "in": "query", "schema": {"type": "string", "enum": ["medium", "high", "critical"]}},
                  {"name": "since", "in": "query", "schema": {"type": "string"}, "description": "milliseconds since the epoch, or an ISO 8601 time"},
                  {"name": "until", "in": "query", "schema": {"type": "string"}, "description": "milliseconds since the epoch, or an ISO 8601 time"},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}},
                  {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "the page's 'older alerts' link carries it"}
                ],
                "responses": {
                  "200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}},
                  "400": {"description": "HTML: a filter was refused (named on the page), the latest alerts are shown unfiltered", "content": {"text/html": {"schema": {"type": "string"}}}},
                  "401": {"$ref": "#/components/responses/Invalid"}
                }
              }
            },
            "/dashboard/alerts.json": {
              "get": {
                "summary": "The alert list of /api/v1/ml/alerts (the same parameters and answer) under the dashboard, where a browser that gave the token as a Basic password can follow it",
                "security": [{"bearer": []}, {"basic": []}, {}],
                "parameters": \#(alertListParameters),
                "responses": {
                  "200": {"description": "Alerts", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AlertsResponse"}}}},
                  "400": {"$ref": "#/components/responses/Invalid"}, "401": {"$ref": "#/components/responses/Invalid"}
                }
              }
            },
            "/": {"get": {"summary": "Sends a browser to /dashboard", "security": [{"bearer": []}, {"basic": []}, {}], "responses": {"302": {"description": "Location: /dashboard"}, "401": {"$ref": "#/components/responses/Invalid"}}}}
          },
          "components": {
            "securitySchemes": {
              "bearer": {"type": "http", "scheme": "bearer", "description": "Only when VIGIL_API_TOKEN is set: its value, compared in constant time."},
              "basic": {"type": "http", "scheme": "basic", "description": "Only for /, /dashboard and /dashboard/alerts.json, when VIGIL_API_TOKEN is set: any user name, the token as the password (what a browser asks for)."}
            },
            "responses": {
              "Invalid": {"description": "The request was refused", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "ModelUnavailable": {"description": "No model is loaded (still loading, or failed to load), and the request does not fit the fallback (it lacks one of the fallback's features, or its metric is none of them); it may fit the model: send it again later", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            },
            "schemas": {
              "Value": {"type": "number", "minimum": -1e12, "maximum": 1e12, "description": "a metric value: finite, within ±1e12"},
              "Vector": {
                "type": "object",
                "description": "One number per model feature (the default model's are shown).",
                "required": ["cpu_usage", "memory_usage", "disk_io", "network_io", "response_time"],
                "properties": {
                  "cpu_usage": {"$ref": "#/components/schemas/Value"}, "memory_usage": {"$ref": "#/components/schemas/Value"},
                  "disk_io": {"$ref": "#/components/schemas/Value"}, "network_io": {"$ref": "#/components/schemas/Value"},
                  "response_time": {"$ref": "#/components/schemas/Value"}
                },
                "example": {"cpu_usage": 45, "memory_usage": 60, "disk_io": 55, "network_io": 48, "response_time": 52}
              },
              "Metric": {
                "type": "object",
                "required": ["timestamp", "service", "metric", "value"],
                "properties": {
                  "timestamp": {"oneOf": [{"type": "number", "minimum": 0, "maximum": 1e14}, {"type": "string", "minLength": 1, "pattern": "^[0-9][0-9T:.+ Z-]*$"}], "description": "milliseconds since the epoch (below 1e11: seconds), at most 1 hour ahead of the server's clock; or text: ISO 8601 such as 2026-11-25T12:00:00Z or 2026-11-25 12:00:00.5+01:00 (UTC without an offset), or a number read as above"},
                  "service": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9._:/-]+$", "description": "1-128 letters, digits and - _ . : /"},
                  "metric": {"type": "string", "minLength": 1, "description": "a model feature, unless a tag names one"},
                  "value": {"$ref": "#/components/schemas/Value"},
                  "tags": {"type": "object", "nullable": true, "description": "tags naming model features must be numbers within ±1e12 (or decimal numbers as text); others are ignored"}
                },
                "example": {"timestamp": 1764072000000, "service": "checkout", "metric": "cpu_usage", "value": 97.5, "tags": {"memory_usage": 61}}
              },
              "Result": {
                "type": "object",
                "required": ["anomaly_score", "is_anomaly", "confidence", "reconstruction_error", "threshold", "prediction_time_ms", "feature_scores", "model_type"],
                "properties": {
                  "anomaly_score": {"type": "number", "minimum": 0, "maximum": 1, "description": "percentile rank of the error among held-out errors (fallback: the range excess / (2 x its threshold))"},
                  "is_anomaly": {"type": "boolean"},
                  "confidence": {"type": "number", "minimum": 0.5, "maximum": 1, "description": "0.5 at the threshold, 1 far from it"},
                  "reconstruction_error": {"type": "number", "description": "mean squared error of the standardised vector (fallback: the largest range excess, in units of the recent range)"},
                  "threshold": {"type": "number", "description": "the reconstruction error (fallback: range excess) above which a vector is anomalous"},
                  "prediction_time_ms": {"type": "number"},
                  "feature_scores": {"type": "object", "additionalProperties": {"type": "number"}, "description": "each feature's share of the error; they sum to 1, or are all 0 when nothing is off (the fallback with every value in its range)"},
                  "model_type": {"type": "string", "enum": ["autoencoder", "fallback"]},
                  "missing_features": {"type": "array", "items": {"type": "string"}},
                  "warming_up": {"type": "boolean", "description": "present (true) while the service is too new for the model's window: fewer earlier time steps than it reads, or no earlier one for its baseline; a level the service started at is taken as normal"},
                  "alert_id": {"type": "string"}
                }
              },
              "DetectResponse": {
                "type": "object", "required": ["success", "result"],
                "properties": {"success": {"type": "boolean"}, "result": {"$ref": "#/components/schemas/Result"}}
              },
              "BatchResponse": {
                "type": "object", "required": ["success", "count", "results"],
                "properties": {"success": {"type": "boolean"}, "count": {"type": "integer"}, "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}}}
              },
              "ModelInfoResponse": {
                "type": "object", "required": ["success", "model"],
                "properties": {
                  "success": {"type": "boolean"},
                  "model": {
                    "type": "object",
                    "required": ["model_type", "status", "threshold", "input_features", "features"],
                    "properties": {
                      "model_type": {"type": "string", "enum": ["autoencoder", "fallback"]},
                      "status": {"type": "string"},
                      "model_source": {"type": "string", "enum": ["bundle", "synthetic-default"]},
                      "version": {"type": "string"},
                      "generation": {"type": "integer"},
                      "threshold": {"type": "number"},
                      "threshold_unit": {"type": "string"},
                      "input_features": {"type": "integer"},
                      "features": {"type": "array", "items": {"type": "string"}},
                      "window": {
                        "type": "object", "description": "the temporal context: each service's last length time steps (first differences when differences is true), each relative to the service's exponential baseline when baseline_half_life (in time steps) is set; with season_length (time steps per season, a day), each vector is also compared with the median of the same time in the service's last three seasons, each step placed by its time when step_seconds (the training rows' interval) is known; /predict sees a vector with a steady past, measured from the training means when there is a baseline",
                        "properties": {"length": {"type": "integer"}, "differences": {"type": "boolean"}, "baseline_half_life": {"type": "number", "nullable": true}, "season_length": {"type": "integer", "nullable": true}, "step_seconds": {"type": "number", "nullable": true}}
                      },
                      "evidence": {"type": "array", "items": {"type": "string", "enum": ["reconstruction", "robust_z", "seasonal", "nearest_neighbors"]}, "description": "what the model's error (reconstruction_error in scores) adds up: the autoencoder's reconstruction, each feature's robust z-score, the change from the same time in past seasons, the distance to the nearest training windows"},
                      "neighbors": {"type": "object", "description": "with nearest_neighbors evidence: each window described by its last steps rows and their mean_length-row means, measured to the count nearest of references training windows", "properties": {"steps": {"type": "integer"}, "mean_length": {"type": "integer"}, "count": {"type": "integer"}, "references": {"type": "integer"}}},
                      "training_samples": {"type": "integer", "nullable": true, "description": "the rows the model was trained from, the held-out share included (as the seed counts them)"},
                      "trained_from": {"type": "string"},
                      "created_at": {"type": "string"},
                      "calibration": {"type": "object"},
                      "validation": {"type": "object", "description": "measured on held-out data: best_val_loss, best_epoch, and precision/recall/f1 when labels calibrated it"},
                      "error": {"type": "string"},
                      "last_reload_error": {"type": "string"}
                    }
                  }
                }
              },
              "Alert": {
                "type": "object",
                "required": ["id", "title", "description", "severity", "source", "service", "timestamp", "metadata", "top_features", "count", "last_seen", "revision"],
                "properties": {
                  "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
                  "severity": {
                    "type": "string", "enum": ["medium", "high", "critical"],
                    "description": "The highest of the incident so far: an open alert escalates when a more severe anomaly counts on it, and metadata and top_features then describe that anomaly."
                  },
                  "source": {"type": "string"}, "service": {"type": "string"},
                  "timestamp": {"type": "number", "description": "the incident's first anomaly (with --alert-k-of-n, the first of those that made it persistent), milliseconds since the epoch"},
                  "last_seen": {"type": "number"}, "count": {"type": "integer"},
                  "revision": {
                    "type": "integer", "minimum": 0,
                    "description": "0 when the alert opens, one more at each escalation; Kafka consumers keep the highest revision of each id."
                  },
                  "metadata": {
                    "type": "object", "required": ["anomalyScore", "confidence", "metric", "value", "modelType"],
                    "properties": {
                      "anomalyScore": {"type": "number"}, "confidence": {"type": "number"}, "metric": {"type": "string"},
                      "value": {"type": "number"}, "modelType": {"type": "string"}
                    }
                  },
                  "top_features": {"type": "array", "items": {"type": "object", "required": ["feature", "share"], "properties": {"feature": {"type": "string"}, "share": {"type": "number"}}}}
                }
              },
              "AlertsResponse": {
                "type": "object", "required": ["success", "count", "alerts", "next_cursor"],
                "properties": {
                  "success": {"type": "boolean"}, "count": {"type": "integer"}, "alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}},
                  "next_cursor": {"description": "give it back as cursor= for the next page; null on the last page", "type": "string", "nullable": true}
                }
              },
              "Health": {
                "type": "object", "required": ["status", "timestamp", "service", "version", "model", "model_loaded", "threshold", "sinks", "kafka"],
                "properties": {
                  "status": {"type": "string", "enum": ["healthy", "degraded"]},
                  "timestamp": {"type": "string"}, "service": {"type": "string"}, "version": {"type": "string"},
                  "model_loaded": {"type": "boolean", "description": "the seed's model-server field: whether a model (not the fallback) scores"},
                  "threshold": {"type": "number", "nullable": true, "description": "the seed's model-server field: the model's threshold on the reconstruction error; null without a model"},
                  "model": {"type": "object", "required": ["status", "model_type"], "properties": {
                    "status": {"type": "string", "enum": ["loading", "ready", "failed"]},
                    "model_type": {"type": "string", "enum": ["autoencoder", "fallback"]},
                    "model_source": {"type": "string"}, "version": {"type": "string"}, "generation": {"type": "integer"}, "last_error": {"type": "string"}
                  }},
                  "sinks": {"type": "object", "required": ["alert_store"], "properties": {"alert_store": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok", "error"]}, "error": {"type": "string"}}}}},
                  "kafka": {"oneOf": [
                    {"type": "string", "enum": ["not configured"]},
                    {"type": "object", "required": ["producer", "alerts_topic", "outbox_pending", "producer_queue"], "properties": {
                      "producer": {"type": "string", "description": "connecting, connected, or failing: the reason"},
                      "alerts_topic": {"type": "string"}, "outbox_pending": {"type": "integer"}, "producer_queue": {"type": "integer"},
                      "consumer": {"type": "string", "description": "with a metrics topic: connecting, connected, or failing: the reason"},
                      "metrics_topic": {"type": "string"}, "group": {"type": "string"}, "assigned_partitions": {"type": "integer"},
                      "consumer_stalled": {"type": "string", "description": "why the consumer is retrying instead of going on"}
                    }}
                  ]}
                }
              },
              "Ready": {
                "type": "object", "required": ["ready"],
                "properties": {"ready": {"type": "boolean"}, "reasons": {"type": "array", "items": {"type": "string"}}}
              },
              "Error": {
                "type": "object", "required": ["success", "error", "code"],
                "properties": {"success": {"type": "boolean"}, "error": {"type": "string"}, "code": {"type": "string"}, "field": {"type": "string"}}
              }
            }
          }
        }
        """#

    /// The alert list's query parameters: `/api/v1/ml/alerts` and `/dashboard/alerts.json` take the same.
    static let alertListParameters = #"""
        [
          {"name": "service", "in": "query", "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9._:/-]+$"}},
          {"name": "severity", "in": "query", "schema": {"type": "string", "enum": ["medium", "high", "critical"]}},
          {"name": "since", "in": "query", "description": "alerts opened at or after this: milliseconds since the epoch (below 1e11: seconds), ISO 8601 date-time, or a date (its midnight UTC)", "schema": {"type": "string", "minLength": 1, "pattern": "^[0-9][0-9T:.+ Z-]*$"}},
          {"name": "until", "in": "query", "description": "alerts opened at or before this: milliseconds since the epoch (below 1e11: seconds), ISO 8601 date-time, or a date (its midnight UTC)", "schema": {"type": "string", "minLength": 1, "pattern": "^[0-9][0-9T:.+ Z-]*$"}},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
          {"name": "cursor", "in": "query", "description": "the next page: a previous answer's next_cursor, with the same filters", "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"}}
        ]
        """#
}
