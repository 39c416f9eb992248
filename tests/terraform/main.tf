# Terraform check of the stub's AWS dialect with the real hashicorp/aws 5.100.0 provider.
# run.sh drives it: init (offline), apply, plan (no drift), in-place update, plan, destroy.
# Every profile below is a request that is valid per the AppFlow model without any real AWS
# resource (the Redshift one is the provider's own documented example, with literals in place
# of the aws_redshift_cluster / aws_s3_bucket / aws_iam_role references).

terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "= 5.100.0"
    }
  }
}

variable "endpoint" {
  description = "Base URL of the AppFlow endpoint (the stub's AWS dialect), e.g. http://127.0.0.1:8080"
  type        = string
}

variable "phase" {
  description = "\"initial\" or \"updated\": \"updated\" changes two profiles in place (connection_mode of one, a property of another)"
  type        = string
  default     = "initial"
  validation {
    condition     = contains(["initial", "updated"], var.phase)
    error_message = "phase must be \"initial\" or \"updated\"."
  }
}

variable "filler_count" {
  description = "Extra Datadog profiles, so that the provider's read (DescribeConnectorProfiles with no filter, default page size 20) must follow nextToken onto a second page"
  type        = number
  default     = 22
}

variable "include_keyless_types" {
  description = "Also create Singular and Amplitude profiles: the provider sends connectorProfileProperties {} for them and drifts unless describe answers them under the model key ({\"Singular\": {}}), as the stub does"
  type        = bool
  default     = true
}

locals {
  updated = var.phase == "updated"
}

provider "aws" {
  region     = "us-east-1"
  access_key = "123456789012" # 12 digits: the stub takes it as the account id
  secret_key = "unused"

  # Never contact anything but the AppFlow endpoint below:
  skip_credentials_validation = true # no sts:GetCallerIdentity at configure time
  skip_requesting_account_id  = true # no sts/iam call to learn the account id
  skip_metadata_api_check     = true # no EC2 instance metadata (IMDS) lookups
  skip_region_validation      = true # no region list check

  # A few SDK retries: the Go SDK retries a client-side "use of closed network connection" read
  # error (seen against a fast local server); a create's retry reuses its clientToken.
  max_retries = 5

  endpoints {
    appflow = var.endpoint
  }
}

# --- the provider's documented example (website/docs/r/appflow_connector_profile.html.markdown) ---
# The provider sends "clusterIdentifier": "", "dataApiRoleArn": "", "databaseName": "" for it.
resource "aws_appflow_connector_profile" "redshift" {
  name            = "example_profile"
  connector_type  = "Redshift"
  connection_mode = "Public"

  connector_profile_config {
    connector_profile_credentials {
      redshift {
        password = "examplePassword123!"
        username = "exampleuser"
      }
    }

    connector_profile_properties {
      redshift {
        bucket_name   = "example-bucket"
        bucket_prefix = local.updated ? "appflow/updated" : null # property changed in place
        database_url  = "jdbc:redshift://example-cluster.abc123xyz789.us-east-1.redshift.amazonaws.com:5439/example_db"
        role_arn      = "arn:aws:iam::123456789012:role/example_role"
      }
    }
  }
}

# Slack: the provider sends "accessToken": "" when access_token is unset.
resource "aws_appflow_connector_profile" "slack" {
  name            = "tf-slack"
  connector_type  = "Slack"
  connection_mode = "Public"

  connector_profile_config {
    connector_profile_credentials {
      slack {
        client_id     = "slack-client-id"
        client_secret = "slack-client-secret"
      }
    }
    connector_profile_properties {
      slack {
        instance_url = "https://example.slack.com"
      }
    }
  }
}

# Zendesk: "accessToken": "" as well, plus an oAuthRequest.
resource "aws_appflow_connector_profile" "zendesk" {
  name            = "tf-zendesk"
  connector_type  = "Zendesk"
  connection_mode = "Public"

  connector_profile_config {
    connector_profile_credentials {
      zendesk {
        client_id     = "zendesk-client-id"
        client_secret = "zendesk-client-secret"
        oauth_request {
          redirect_uri = "https://us-east-1.console.aws.amazon.com/appflow/oauth"
        }
      }
    }
    connector_profile_properties {
      zendesk {
        instance_url = "https://subdomain.zendesk.com"
      }
    }
  }
}

# Datadog: its connection_mode is what the update step changes.
resource "aws_appflow_connector_profile" "datadog" {
  name            = "tf-datadog"
  connector_type  = "Datadog"
  connection_mode = local.updated ? "Private" : "Public"

  connector_profile_config {
    connector_profile_credentials {
      datadog {
        api_key         = "dd-api-key"
        application_key = "dd-app-key"
      }
    }
    connector_profile_properties {
      datadog {
        instance_url = "https://api.datadoghq.com"
      }
    }
  }
}

# Salesforce: a boolean property (sent only when true).
resource "aws_appflow_connector_profile" "salesforce" {
  name            = "tf-salesforce"
  connector_type  = "Salesforce"
  connection_mode = "Public"

  connector_profile_config {
    connector_profile_credentials {
      salesforce {
        access_token  = "sf-access-token"
        refresh_token = "sf-refresh-token"
      }
    }
    connector_profile_properties {
      salesforce {
        instance_url           = "https://example.my.salesforce.com"
        is_sandbox_environment = true
      }
    }
  }
}

# Snowflake: optional strings left unset are omitted (not sent as "").
resource "aws_appflow_connector_profile" "snowflake" {
  name            = "tf-snowflake"
  connector_type  = "Snowflake"
  connection_mode = "Public"

  connector_profile_config {
    connector_profile_credentials {
      snowflake {
        username = "sf-user"
        password = "sf-pass"
      }
    }
    connector_profile_properties {
      snowflake {
        bucket_name = "example-snowflake-stage-bucket"
        stage       = "EXAMPLE_DB.PUBLIC.EXAMPLE_STAGE"
        warehouse   = "COMPUTE_WH"
      }
    }
  }
}

# SAPOData: an integer property (portNumber).
resource "aws_appflow_connector_profile" "sapodata" {
  name            = "tf-sapodata"
  connector_type  = "SAPOData"
  connection_mode = "Public"

  connector_profile_config {
    connector_profile_credentials {
      sapo_data {
        basic_auth_credentials {
          username = "sap-user"
          password = "sap-pass"
        }
      }
    }
    connector_profile_properties {
      sapo_data {
        application_host_url     = "https://sap.example.com"
        application_service_path = "/sap/opu/odata/iwfnd/catalogservice;v=2"
        client_number            = "100"
        port_number              = 443
      }
    }
  }
}

# CustomConnector: connectorLabel (top level) and a profileProperties map.
resource "aws_appflow_connector_profile" "custom" {
  name            = "tf-custom"
  connector_type  = "CustomConnector"
  connector_label = "MyCustomConnector"
  connection_mode = "Public"

  connector_profile_config {
    connector_profile_credentials {
      custom_connector {
        authentication_type = "APIKEY"
        api_key {
          api_key = "cc-api-key"
        }
      }
    }
    connector_profile_properties {
      custom_connector {
        profile_properties = {
          region = "us-east-1"
        }
      }
    }
  }
}

# Types whose properties structure is empty: opt-in (see include_keyless_types).
resource "aws_appflow_connector_profile" "singular" {
  count           = var.include_keyless_types ? 1 : 0
  name            = "tf-singular"
  connector_type  = "Singular"
  connection_mode = "Public"

  connector_profile_config {
    connector_profile_credentials {
      singular {
        api_key = "sg-api-key"
      }
    }
    connector_profile_properties {
      singular {}
    }
  }
}

resource "aws_appflow_connector_profile" "amplitude" {
  count           = var.include_keyless_types ? 1 : 0
  name            = "tf-amplitude"
  connector_type  = "Amplitude"
  connection_mode = "Public"

  connector_profile_config {
    connector_profile_credentials {
      amplitude {
        api_key    = "amp-api-key"
        secret_key = "amp-secret-key"
      }
    }
    connector_profile_properties {
      amplitude {}
    }
  }
}

# Fillers: enough profiles that the provider's unfiltered describe needs a second page.
resource "aws_appflow_connector_profile" "filler" {
  count           = var.filler_count
  name            = format("tf-filler-%02d", count.index)
  connector_type  = "Datadog"
  connection_mode = "Public"

  connector_profile_config {
    connector_profile_credentials {
      datadog {
        api_key         = "dd-api-key-${count.index}"
        application_key = "dd-app-key"
      }
    }
    connector_profile_properties {
      datadog {
        instance_url = "https://api.datadoghq.com"
      }
    }
  }
}

output "profile_count" {
  value = 8 + var.filler_count + (var.include_keyless_types ? 2 : 0)
}
