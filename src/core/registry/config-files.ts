import type { Rule } from '../types';
import { rule as actionsNpmInstall } from '../rules/actions-npm-install';
import { rule as actionsPermissions } from '../rules/actions-permissions';
import { rule as actionsUnpinned } from '../rules/actions-unpinned';
import { rule as dockerfileCopyAllNoDockerignore } from '../rules/dockerfile-copy-all-no-dockerignore';
import { rule as dockerfileNpmInstall } from '../rules/dockerfile-npm-install';
import { rule as dockerfileRootUser } from '../rules/dockerfile-root-user';
import { rule as dockerfileSecretEnv } from '../rules/dockerfile-secret-env';
import { rule as dockerfileUnpinnedBase } from '../rules/dockerfile-unpinned-base';
import { rule as dockerignoreMissingSecrets } from '../rules/dockerignore-missing-secrets';
import { rule as gitignoreMissingEnv } from '../rules/gitignore-missing-env';
import { rule as packageInstallScripts } from '../rules/package-install-scripts';
import { rule as packageRiskyDependencyRange } from '../rules/package-risky-dependency-range';

/**
 * Rules over configuration files: Dockerfile and .dockerignore (containers
 * row), GitHub Actions workflows (supply-chain, dependencies), package.json
 * (supply-chain, dependencies) and .gitignore (secrets). Each is a
 * ProjectRule with `checkFile`, so the editor can judge one open file.
 */
export const CONFIG_FILE_RULES: readonly Rule[] = [
  dockerfileRootUser, dockerfileUnpinnedBase, dockerfileSecretEnv, dockerfileCopyAllNoDockerignore, dockerfileNpmInstall,
  dockerignoreMissingSecrets, actionsUnpinned, actionsPermissions, actionsNpmInstall, packageInstallScripts,
  packageRiskyDependencyRange, gitignoreMissingEnv,
];
