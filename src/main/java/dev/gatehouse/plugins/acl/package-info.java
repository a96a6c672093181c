@NullMarked
package dev.gatehouse.plugins.acl;

import org.jspecify.annotations.NullMarked;
