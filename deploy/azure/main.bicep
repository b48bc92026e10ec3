// The Azure side of an OrleansMail deployment (deploy/README.md walks through it):
//   AKS with a system and a user node pool, Azure CNI (overlay, Cilium data plane: NetworkPolicies enforced), the OIDC
//   issuer and workload identity; Azure Managed Redis (TLS only, port 10000) for membership and grain state; a static
//   public IP for the mail Service; a container registry the nodes pull from; a Key Vault for the certificates.
// Deploy into an existing resource group:
//   az deployment group create -g orleansmail -f deploy/azure/main.bicep -p namePrefix=orleansmail
targetScope = 'resourceGroup'

@description('Prefix of every resource name (letters and digits; the registry and the vault take it without dashes).')
@minLength(3)
@maxLength(16)
param namePrefix string = 'orleansmail'

@description('Region of every resource.')
param location string = resourceGroup().location

@description('VM size of the system pool (AKS\' own pods only).')
param systemNodeVmSize string = 'Standard_D2s_v5'

@description('VM size of the user pool that runs the Silos and Frontends (deploy/README.md, "Sizing").')
param userNodeVmSize string = 'Standard_D4s_v5'

@description('Fewest and most nodes of the user pool (the cluster autoscaler moves between them).')
@minValue(2)
param userNodeMinCount int = 3

@maxValue(100)
param userNodeMaxCount int = 10

@description('Azure Managed Redis SKU (membership and grain state; deploy/README.md, "Sizing").')
param redisSku string = 'Balanced_B1'

@description('Object id of the operator (user or group) who may import certificates into the Key Vault.')
param keyVaultAdminObjectId string = ''

var compactPrefix = toLower(replace(namePrefix, '-', ''))
// Registry and vault names are global: a hash of the resource group keeps them unique (vaults: 24 characters at most).
var suffix = uniqueString(resourceGroup().id)
var zones = ['1', '2', '3']

// Role definitions (built-in, ids are the same in every tenant).
var acrPullRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
var networkContributorRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')
var keyVaultCertificatesOfficerRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'a4417e6f-fecd-4de8-b567-7b0420556985')

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: '${namePrefix}-vnet'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: ['10.10.0.0/16']
    }
    subnets: [
      {
        name: 'aks-nodes'
        properties: {
          addressPrefix: '10.10.0.0/22'
        }
      }
    ]
  }
}

resource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' = {
  name: '${namePrefix}-aks'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    dnsPrefix: namePrefix
    enableRBAC: true
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 2
        vmSize: systemNodeVmSize
        osType: 'Linux'
        osSKU: 'AzureLinux'
        availabilityZones: zones
        vnetSubnetID: vnet.properties.subnets[0].id
        // Only AKS' critical add-ons here; OrleansMail goes to the user pool.
        nodeTaints: ['CriticalAddonsOnly=true:NoSchedule']
      }
      {
        name: 'mail'
        mode: 'User'
        vmSize: userNodeVmSize
        osType: 'Linux'
        osSKU: 'AzureLinux'
        availabilityZones: zones
        vnetSubnetID: vnet.properties.subnets[0].id
        enableAutoScaling: true
        count: userNodeMinCount
        minCount: userNodeMinCount
        maxCount: userNodeMaxCount
        // One node at a time during an upgrade: the PodDisruptionBudgets let one Silo and one Frontend go at once.
        upgradeSettings: {
          maxSurge: '1'
        }
      }
    ]
    networkProfile: {
      // Azure CNI with an overlay pod network; Cilium enforces the manifests' NetworkPolicies.
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
      podCidr: '10.244.0.0/16'
      serviceCidr: '10.20.0.0/16'
      dnsServiceIP: '10.20.0.10'
      loadBalancerSku: 'standard'
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      workloadIdentity: {
        enabled: true
      }
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'NodeImage'
    }
  }
}

// The mail Service's address (service.beta.kubernetes.io/azure-pip-name in overlays/aks): static, zone-redundant, so
// MX and A records survive a re-created Service or cluster.
resource mailIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: '${namePrefix}-mail'
  location: location
  sku: {
    name: 'Standard'
    tier: 'Regional'
  }
  zones: zones
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
    // Azure's TCP idle timeout for this address (the load balancer rule takes the Service's annotation, also 30).
    idleTimeoutInMinutes: 30
    dnsSettings: {
      domainNameLabel: '${namePrefix}-mail'
    }
  }
}

// AKS' cloud provider attaches the IP to its load balancer: it needs Network Contributor where the IP lives.
resource aksNetworkContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, aks.id, networkContributorRole)
  properties: {
    roleDefinitionId: networkContributorRole
    principalId: aks.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: take('${compactPrefix}acr${suffix}', 50)
  location: location
  sku: {
    name: 'Standard'
  }
  properties: {
    adminUserEnabled: false
  }
}

// The nodes (kubelet identity) pull the Silo and Frontend images.
resource kubeletAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, aks.id, acrPullRole)
  scope: registry
  properties: {
    roleDefinitionId: acrPullRole
    principalId: aks.properties.identityProfile.kubeletidentity.objectId
    principalType: 'ServicePrincipal'
  }
}

// Azure Managed Redis: TLS only on port 10000, an access key as the password (the Secret orleansmail-redis),
// non-clustered endpoint policy (EnterpriseCluster: one endpoint, no cluster-aware client needed), no eviction
// (membership and grain state must never be dropped), AOF persistence every second.
resource redis 'Microsoft.Cache/redisEnterprise@2025-04-01' = {
  name: '${namePrefix}-redis'
  location: location
  sku: {
    name: redisSku
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: 'Enabled'
  }
}

resource redisDatabase 'Microsoft.Cache/redisEnterprise/databases@2025-04-01' = {
  parent: redis
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    clusteringPolicy: 'EnterpriseCluster'
    evictionPolicy: 'NoEviction'
    accessKeysAuthentication: 'Enabled'
    persistence: {
      aofEnabled: true
      aofFrequency: '1s'
    }
  }
}

// The certificates: the mail certificate and the cluster CA with its member certificates (deploy/README.md, "Secrets").
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('${compactPrefix}kv${suffix}', 24)
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}

resource vaultCertificatesOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultAdminObjectId)) {
  name: guid(vault.id, keyVaultAdminObjectId, keyVaultCertificatesOfficerRole)
  scope: vault
  properties: {
    roleDefinitionId: keyVaultCertificatesOfficerRole
    principalId: keyVaultAdminObjectId
  }
}

output aksName string = aks.name
output oidcIssuerUrl string = aks.properties.oidcIssuerProfile.issuerURL
output acrLoginServer string = registry.properties.loginServer
output redisHostName string = redis.properties.hostName
output redisPort int = redisDatabase.properties.port
output redisName string = redis.name
output mailPublicIpName string = mailIp.name
output mailPublicIpAddress string = mailIp.properties.ipAddress
output resourceGroup string = resourceGroup().name
output keyVaultName string = vault.name
